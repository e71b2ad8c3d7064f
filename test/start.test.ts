/**
 * The README's first command, `bash scripts/start`, on a control plane of its own (its test
 * bed root and demo directory are this test's): it backs the demo plan up, drills it, starts
 * serve with the dashboard and prints the URL; run again, it reuses the repository and the
 * running serve and makes one more snapshot.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../testbed/processes.ts';
import { scratch } from './helpers/repo.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('scripts/start', () => {
  const s = scratch();
  const demo = join(s.dir, 'demo');
  const env = { ...process.env, STRATA_DEMO_DIR: demo, STRATA_TESTBED_ROOT: join(s.dir, 'testbed'), STRATA_PASSWORD_FILE: '' };

  afterAll(() => {
    const pidfile = join(demo, 'serve.pid');
    if (existsSync(pidfile)) {
      const pid = Number(readFileSync(pidfile, 'utf8'));
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('serve')) process.kill(pid, 'SIGTERM');
    }
    execFileSync(process.execPath, ['testbed/cli.ts', 'down'], { cwd: root, env, stdio: 'ignore' });
  }, 120_000);

  it('backs the demo up, drills it, serves the dashboard, and a second run reuses it all', async () => {
    const port = await freePort();
    const start = () => spawnSync('bash', ['scripts/start'], { cwd: root, env: { ...env, STRATA_DEMO_PORT: String(port) }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 });
    const first = start();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`== a new repository in ${join(demo, 'repo')}`);
    expect(first.stdout).toContain(`The dashboard:   http://127.0.0.1:${port}/`);
    expect(first.stdout).toMatch(/drill \S+ of plan demo: snapshot \S+ of \S+, restored into scratch targets: PASSED/);
    const overview = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(overview).toContain('id="plan-demo"');
    const snapshots = () => (JSON.parse(execFileSync(join(root, 'bin/strata'), ['snapshots', '--repo', join(demo, 'repo'), '--json'], { env: { ...env, STRATA_PASSWORD_FILE: join(demo, 'password') }, encoding: 'utf8' })) as unknown[]).length;
    expect(snapshots()).toBe(1);

    const second = start();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('== a new repository');
    expect(second.stdout).toMatch(/== strata serve runs already \(PID \d+\)/);
    expect(snapshots()).toBe(2);
  }, 1_200_000);
});
