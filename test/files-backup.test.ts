/** The files source end to end through the CLI, on the local backend. */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocatedBytes, describeTree, filesUnder, generateTree } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';

/** Files under `dir` whose raw bytes contain `needle` (grep exits 1 when there are none). */
function grep(needle: string, dir: string): string {
  try {
    return execFileSync('grep', ['-rlaF', '--', needle, dir], { encoding: 'utf8' }).trim();
  } catch (error) {
    if ((error as { status?: number }).status === 1) return '';
    throw error;
  }
}

describe('files source', () => {
  it('restores a generated tree byte- and metadata-exact', async () => {
    const s = scratch();
    const source = join(s.dir, 'source');
    generateTree(source, { smallFiles: 400, largeFiles: 2, largeSize: 6 * 1024 * 1024 });
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const backup = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', source, '--tag', 'first', '--json'])).stdout) as { id: string; result: string; summary: { files: number } };
    expect(backup.result).toBe('completed');
    expect(backup.summary.files).toBeGreaterThan(400);
    const target = join(s.dir, 'restore');
    await s.ok(['restore', backup.id.slice(0, 10), '--repo', repo, '--target', target]);
    const restored = join(target, 'files', source);
    expect(describeTree(restored)).toEqual(describeTree(source));
    expect(allocatedBytes(join(restored, 'sparse.img'))).toBeLessThan(1024 * 1024);
    const a = statSync(join(restored, 'hardlinked-a'));
    expect(statSync(join(restored, 'hardlinked-b')).ino).toBe(a.ino);
    // Restoring again over the first restore replaces what it finds, exactly.
    writeFileSync(join(restored, 'sparse-tail.img'), 'something else, and longer than four bytes');
    await s.ok(['restore', backup.id.slice(0, 10), '--repo', repo, '--target', target]);
    expect(describeTree(restored)).toEqual(describeTree(source));
  });

  it('does not read files again whose size, mtime and inode are unchanged', async () => {
    const s = scratch();
    const source = join(s.dir, 'source');
    generateTree(source, { smallFiles: 50, largeFiles: 0, largeSize: 0 });
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    // Whole seconds, so the test can put the very same mtime back after changing the bytes.
    const sneaky = join(source, 'hardlinked-a');
    utimesSync(sneaky, 1_700_000_000, 1_700_000_000);
    await s.ok(['backup', '--repo', repo, '--files', source]);
    // Same size, same mtime, same inode, different bytes: only a re-read would notice.
    writeFileSync(sneaky, 'SAME INODE\n');
    utimesSync(sneaky, 1_700_000_000, 1_700_000_000);
    const changed = join(source, 'empty');
    writeFileSync(changed, 'now with content');
    const second = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', source, '--json'])).stdout) as { id: string; parent: string | null; summary: { newBytes: number } };
    expect(second.parent).not.toBeNull();
    expect(second.summary.newBytes).toBeLessThan(20_000);
    const target = join(s.dir, 'restore');
    await s.ok(['restore', second.id, '--repo', repo, '--target', target, '--include', `/files${source}/hardlinked-a`, '--include', `/files${source}/empty`]);
    expect(readFileSync(join(target, 'files', source, 'hardlinked-a'), 'utf8')).toBe('same inode\n');
    expect(readFileSync(join(target, 'files', source, 'empty'), 'utf8')).toBe('now with content');
    expect(filesUnder(target)).toHaveLength(2);
  });

  it('lists, shows and filters snapshots, with --json everywhere', async () => {
    const s = scratch();
    const source = join(s.dir, 'source');
    generateTree(source, { smallFiles: 20, largeFiles: 0, largeSize: 0 });
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    await s.ok(['backup', '--repo', repo, '--files', source, '--tag', 'nightly', '--host', 'cp-1']);
    await s.ok(['backup', '--repo', repo, '--files', join(source, 'dir-0'), '--host', 'cp-2']);
    const all = JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout) as { id: string; host: string; tags: string[] }[];
    expect(all.map((x) => x.host)).toEqual(['cp-1', 'cp-2']);
    const tagged = JSON.parse((await s.ok(['snapshots', '--repo', repo, '--tag', 'nightly', '--json'])).stdout) as unknown[];
    expect(tagged).toHaveLength(1);
    const shown = JSON.parse((await s.ok(['show', all[0]!.id.slice(0, 8), '--repo', repo, '--json'])).stdout) as { tags: string[]; sources: { type: string }[] };
    expect(shown.tags).toEqual(['nightly']);
    expect(shown.sources[0]?.type).toBe('files');
    const listing = JSON.parse((await s.ok(['ls', 'latest', `/files${source}/dir-0`, '--repo', repo, '--json'])).stdout) as { path: string; type: string }[];
    expect(listing[0]?.path).toBe(`/files${source}/dir-0`);
    expect(listing.every((e) => e.path.startsWith(`/files${source}/dir-0`))).toBe(true);
    const text = (await s.ok(['ls', 'latest', '--repo', repo])).stdout;
    expect(text).toContain(`/files${source}/dir-0`);
  });

  it('runs two backups into one repository at the same time', async () => {
    const s = scratch();
    const a = join(s.dir, 'a');
    const b = join(s.dir, 'b');
    generateTree(a, { smallFiles: 200, largeFiles: 1, largeSize: 4 * 1024 * 1024 }, 7);
    generateTree(b, { smallFiles: 200, largeFiles: 1, largeSize: 4 * 1024 * 1024 }, 8);
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    await Promise.all([s.ok(['backup', '--repo', repo, '--files', a]), s.ok(['backup', '--repo', repo, '--files', b])]);
    const snapshots = JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout) as { id: string; paths: string[] }[];
    expect(snapshots).toHaveLength(2);
    await s.ok(['check', '--read-data', '--repo', repo]);
    for (const snapshot of snapshots) {
      const target = join(s.dir, `restore-${snapshot.id}`);
      await s.ok(['restore', snapshot.id, '--repo', repo, '--target', target]);
      const path = snapshot.paths[0]!;
      expect(describeTree(join(target, 'files', path))).toEqual(describeTree(path));
    }
  });

  it('leaves nothing readable in the repository: no file content, no file names', async () => {
    const s = scratch();
    const source = join(s.dir, 'source');
    const secret = 'hunter2-TOP-SECRET-token-5f1c';
    generateTree(source, { smallFiles: 30, largeFiles: 0, largeSize: 0, secret });
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    await s.ok(['backup', '--repo', repo, '--files', source]);
    // grep as an operator would: every object, as raw bytes.
    for (const needle of [secret, 'admin.conf', 'dir-0', 'space name.txt']) {
      const found = grep(needle, repo);
      expect(found, needle).toBe('');
    }
  }, 60_000);
});
