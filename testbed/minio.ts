/** MinIO, the S3-compatible store the s3 backend is tested against; started on demand. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './binaries.ts';
import { get } from './http.ts';
import { freePort, startProcess, waitFor } from './processes.ts';
import type { TestbedState } from './state.ts';

export async function startMinio(dir: string): Promise<NonNullable<TestbedState['minio']>> {
  const data = join(dir, 'minio-data');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const accessKey = 'strata-testbed';
  const secretKey = randomBytes(18).toString('base64url');
  const secretKeyFile = join(dir, 'minio-secret-key');
  writeFileSync(secretKeyFile, secretKey, { mode: 0o600 });
  const process = startProcess('minio', binary('minio', 'minio'), [
    'server', data, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${await freePort()}`, '--quiet',
  ], join(dir, 'minio.log'), { MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor('minio', async () => (await get(`${endpoint}/minio/health/ready`)).status === 200, 60_000, process);
  return { endpoint, accessKey, secretKeyFile, process };
}
