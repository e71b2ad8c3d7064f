/**
 * kill -9 at random moments during backups and copies: afterwards the repository checks
 * clean with --read-data, earlier snapshots restore exactly, and the next run succeeds.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeTree, generateTree } from './helpers/file-tree.ts';
import { scratch, type Scratch } from './helpers/repo.ts';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

/** Starts strata and SIGKILLs it after `delayMs`; resolves with whether it was still running. */
function killAfter(s: Scratch, args: readonly string[], delayMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}

async function expectRestoresExactly(s: Scratch, repo: string, snapshot: string, source: string, name: string): Promise<void> {
  const target = join(s.dir, `restore-${name}`);
  await s.ok(['restore', snapshot, '--repo', repo, '--target', target]);
  expect(describeTree(join(target, 'files', source))).toEqual(describeTree(source));
}

describe('crash safety', () => {
  it('survives kill -9 at 20 or more points during backups and copies', async () => {
    const s = scratch();
    const source = join(s.dir, 'source');
    generateTree(source, { smallFiles: 600, largeFiles: 3, largeSize: 12 * 1024 * 1024 }, 3);
    const repo = join(s.dir, 'repo');
    const mirror = join(s.dir, 'mirror');
    await s.ok(['init', '--repo', repo]);
    await s.ok(['init', '--repo', mirror]);
    const first = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', source, '--json'])).stdout) as { id: string };
    // A second, different source makes every later backup write new data to be killed in.
    const other = join(s.dir, 'other');
    const roundTree = (round: number) => generateTree(join(other, `round-${round}`), { smallFiles: 300, largeFiles: 1, largeSize: 16 * 1024 * 1024 }, 100 + round);
    // Calibrate: how long one such backup takes here, so the kills land inside the work.
    roundTree(-1);
    const started = Date.now();
    await s.ok(['backup', '--repo', repo, '--files', join(other, 'round--1')]);
    const duration = Date.now() - started;
    let killed = 0;
    for (let round = 0; round < 26; round++) {
      const copying = round % 4 === 3;
      if (!copying) roundTree(round);
      const args = copying ? ['copy', '--all', '--repo', repo, '--to', mirror] : ['backup', '--repo', repo, '--files', join(other, `round-${round}`)];
      if (await killAfter(s, args, Math.floor(duration * (0.1 + 0.85 * Math.random())))) killed++;
    }
    expect(killed).toBeGreaterThanOrEqual(20);
    // Stale locks of the killed processes are recognised: no unlock is needed to go on.
    const check = await s.run(['check', '--read-data', '--repo', repo]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const mirrorCheck = await s.run(['check', '--read-data', '--repo', mirror]);
    expect(mirrorCheck.code, mirrorCheck.stdout + mirrorCheck.stderr).toBe(0);
    await expectRestoresExactly(s, repo, first.id, source, 'first');
    const next = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', source, '--json'])).stdout) as { id: string };
    await expectRestoresExactly(s, repo, next.id, source, 'next');
    await s.ok(['copy', '--all', '--repo', repo, '--to', mirror]);
    await s.ok(['check', '--read-data', '--repo', mirror]);
    await expectRestoresExactly(s, mirror, 'latest', source, 'mirror');
    const unlocked = JSON.parse((await s.ok(['unlock', '--repo', repo, '--json'])).stdout) as { stale: boolean }[];
    expect(unlocked.every((l) => l.stale)).toBe(true);
  }, 600_000);
});
