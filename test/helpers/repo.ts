/**
 * A scratch folder with a password file and a strata runner bound to them. Every folder a
 * test file made is removed after that file (STRATA_TEST_KEEP=1 keeps them for a look):
 * a full run writes gigabytes, and the test bed's Ceph refuses to start on a full disk.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { strata, type CliResult } from './strata.ts';

const made: string[] = [];
// Registered once per test file (vitest evaluates helpers per file): it runs after the file's tests.
afterAll(() => {
  if (process.env['STRATA_TEST_KEEP'] === '1') return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export interface Scratch {
  readonly dir: string;
  readonly passwordFile: string;
  /** Runs strata with STRATA_PASSWORD_FILE set to this scratch's password. */
  run(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** Like run, and fails the test unless the exit code is 0. */
  ok(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
}

export function scratch(password = 'a-long-test-password'): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'strata-test-'));
  made.push(dir);
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const run = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => strata(args, { env: { STRATA_PASSWORD_FILE: passwordFile, STRATA_PASSWORD: '', ...env }, timeoutMs: 300_000 });
  return {
    dir,
    passwordFile,
    run,
    async ok(args, env) {
      const result = await run(args, env);
      if (result.code !== 0) throw new Error(`strata ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      return result;
    },
  };
}
