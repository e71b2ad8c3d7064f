/**
 * Can Strata write to the repository? Writes, reads back and removes a probe object through
 * the same backend a backup uses, so permissions, quotas and mounts are all exercised.
 */
import { randomBytes } from 'node:crypto';
import type { Backend } from '../../storage/backend.ts';
import { fail, pass, type CheckResult } from './check.ts';

export async function checkRepository(backend: Backend): Promise<CheckResult> {
  const title = 'repository reachable and writable';
  const key = `tmp/doctor-${randomBytes(8).toString('hex')}`;
  const probe = randomBytes(64);
  try {
    await backend.save(key, probe);
    const back = await backend.load(key);
    await backend.remove(key);
    if (!Buffer.from(back).equals(probe)) return fail('repository', title, `${backend.location}: read back different bytes than written; the storage is corrupting data`);
    return pass('repository', title, `${backend.location}: write, read and remove succeeded`, { location: backend.location });
  } catch (error) {
    return fail('repository', title, `${backend.location}: ${(error as Error).message}; check the path or URL and its permissions`, { location: backend.location });
  }
}
