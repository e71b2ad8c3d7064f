/**
 * `check` run nightly beside backups must never page anyone for damage that is not there:
 * 50 checks while backups loop, every one clean, and the repository still clean afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTree } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';

describe('check beside a looping backup', () => {
  it('reports no damage in 50 checks while backups keep writing', async () => {
    const s = scratch();
    const source = join(s.dir, 'source');
    generateTree(source, { smallFiles: 200, largeFiles: 1, largeSize: 2 * 1024 * 1024 }, 5);
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    await s.ok(['backup', '--repo', repo, '--files', source]);

    let stop = false;
    let backups = 0;
    const looping = (async () => {
      // Bounded: stops when the checks are done, or after 400 backups at most.
      for (let round = 0; !stop && round < 400; round++) {
        writeFileSync(join(source, `changed-${round % 7}.txt`), `round ${round} ${'x'.repeat(50_000 + round)}`);
        await s.ok(['backup', '--repo', repo, '--files', source]);
        backups++;
      }
    })();
    const reports: { code: number | null; stderr: string; stdout: string }[] = [];
    try {
      for (let i = 0; i < 50; i++) reports.push(await s.run(['check', '--repo', repo]));
    } finally {
      stop = true;
      await looping;
    }
    const false_ = reports.filter((r) => r.code !== 0);
    expect(false_.map((r) => r.stdout + r.stderr)).toEqual([]);
    expect(backups).toBeGreaterThan(5);
    expect((await s.run(['check', '--repo', repo])).code).toBe(0);
  }, 900_000);
});
