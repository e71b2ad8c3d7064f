/** One flipped byte: found, named down to snapshot and file, and contained. */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTree, filesUnder, generateTree } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';

function flipByte(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at]! ^= 0x40;
  writeFileSync(file, bytes);
}

describe('corruption', () => {
  it('names the damaged blob, its snapshot and file; other snapshots still restore', async () => {
    const s = scratch();
    const a = join(s.dir, 'a');
    const b = join(s.dir, 'b');
    generateTree(a, { smallFiles: 50, largeFiles: 1, largeSize: 3 * 1024 * 1024 }, 11);
    generateTree(b, { smallFiles: 0, largeFiles: 1, largeSize: 3 * 1024 * 1024 }, 12);
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const first = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', a, '--json'])).stdout) as { id: string };
    const before = new Set(filesUnder(join(repo, 'data')));
    const second = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', b, '--json'])).stdout) as { id: string };
    // The largest new pack holds b's large file; flip a byte in its middle.
    const pack = filesUnder(join(repo, 'data')).filter((p) => !before.has(p)).sort((x, y) => statSync(y).size - statSync(x).size)[0]!;
    flipByte(pack, Math.floor(statSync(pack).size / 2));

    const structural = await s.run(['check', '--repo', repo]);
    expect(structural.code).toBe(0); // sizes and index are intact; only reading finds it
    const check = await s.run(['check', '--read-data', '--repo', repo, '--json']);
    expect(check.code).toBe(1);
    const report = JSON.parse(check.stdout) as { damagedBlobs: { usedBy: { snapshot: string; path: string }[] }[]; damagedSnapshots: string[] };
    expect(report.damagedSnapshots).toEqual([second.id]);
    expect(report.damagedBlobs.length).toBeGreaterThanOrEqual(1);
    expect(report.damagedBlobs.flatMap((d) => d.usedBy.map((u) => u.path))).toContain(`/files${b}/large-0.img`);
    expect(check.stderr).toMatch(/^strata: check found \d+ error\(s\); damaged snapshots: /m);
    const text = await s.run(['check', '--read-data', '--repo', repo]);
    expect(text.stdout).toContain(`snapshot ${second.id.slice(0, 8)} /files${b}/large-0.img`);

    const target = join(s.dir, 'restore-a');
    await s.ok(['restore', first.id, '--repo', repo, '--target', target]);
    expect(describeTree(join(target, 'files', a))).toEqual(describeTree(a));
    const damaged = await s.run(['restore', second.id, '--repo', repo, '--target', join(s.dir, 'restore-b')]);
    expect(damaged.code).toBe(3);
    expect(damaged.stderr).toContain(`/files${b}/large-0.img`);
    // The damaged file is not left under its own name, where it could pass for the real one.
    const restoredB = join(s.dir, 'restore-b', 'files', b);
    expect(existsSync(join(restoredB, 'large-0.img'))).toBe(false);
    expect(existsSync(join(restoredB, 'large-0.img.strata-damaged'))).toBe(true);
    expect(damaged.stderr).toContain('large-0.img.strata-damaged');
  }, 120_000);

  it('survives a damaged index: check reports it, restore reads the pack headers', async () => {
    const s = scratch();
    const a = join(s.dir, 'a');
    generateTree(a, { smallFiles: 40, largeFiles: 0, largeSize: 0 }, 13);
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const snapshot = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', a, '--json'])).stdout) as { id: string };
    const index = filesUnder(join(repo, 'index'))[0]!;
    flipByte(index, Math.floor(statSync(index).size / 2));
    const check = await s.run(['check', '--repo', repo]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`index/${index.split('/').pop()}`);
    const target = join(s.dir, 'restore');
    await s.ok(['restore', snapshot.id, '--repo', repo, '--target', target]);
    expect(describeTree(join(target, 'files', a))).toEqual(describeTree(a));
  }, 120_000);
});
