/**
 * How a command starts: Node keeps the compiled code of Strata and its libraries in the
 * user's own cache directory, never a shared one; it can be turned off, and a cache
 * directory that cannot be written only costs time.
 */
import { readdirSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { strata } from './helpers/strata.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-cli-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The settings given, and no compile cache setting from the test's own environment (undefined: not passed on). */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined, ...extra };
}

async function version(env: NodeJS.ProcessEnv): Promise<void> {
  const result = await strata(['--version'], { env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
}

describe('a command starting', () => {
  it('keeps compiled code under XDG_CACHE_HOME/strata and reuses it', async () => {
    const home = join(dir, 'cache');
    await version(environment({ XDG_CACHE_HOME: home }));
    const cache = join(home, 'strata', 'node-compile-cache');
    const files = readdirSync(cache, { recursive: true });
    expect(files.length).toBeGreaterThan(100);
    await version(environment({ XDG_CACHE_HOME: home }));
    expect(readdirSync(cache, { recursive: true }).length).toBe(files.length);
  });

  it('writes nothing with NODE_DISABLE_COMPILE_CACHE=1', async () => {
    const home = join(dir, 'disabled');
    await version(environment({ XDG_CACHE_HOME: home, NODE_DISABLE_COMPILE_CACHE: '1' }));
    expect(existsSync(home)).toBe(false);
  });

  it('runs as well where the cache directory cannot be made', async () => {
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, '');
    await version(environment({ XDG_CACHE_HOME: file }));
  });
});
