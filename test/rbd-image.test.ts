/**
 * RBD images on the test bed's Ceph into a real repository and back: three backups with
 * writes, a discard-by-shrink and a resize in between; the second and third read only the
 * diff from the previous Strata snapshot and store little; each restores to a new image
 * whose SHA-256 is the image's at that snapshot. A lost diff base falls back to a full read.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobWriter } from '../src/repository/blob-writer.ts';
import { Repository } from '../src/repository/repository.ts';
import type { TreeNode } from '../src/repository/tree.ts';
import { liveSnapshots, RbdImageBackup, pruneLiveSnapshots, type ImageBase } from '../src/sources/volumes/rbd/image-backup.ts';
import { restoreImage } from '../src/sources/volumes/rbd/image-restore.ts';
import { LocalRbd } from '../src/sources/volumes/rbd/runner.ts';
import { openBackend } from '../src/storage/open.ts';
import { useCluster } from './helpers/testbed.ts';

const MiB = 1024 * 1024;

describe('RBD image backup and restore', () => {
  const cluster = useCluster({ name: 'rbd', nodes: 1, ceph: true });

  /** rbd on the test bed's Ceph, a new repository and a new image name starting with `name`. */
  async function onCeph(name: string) {
    const conf = cluster().bed.ceph!.conf;
    const rbd = (args: readonly string[]) => execFileSync('rbd', ['-c', conf, ...args], { maxBuffer: 512 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
    const sha = (spec: string) => createHash('sha256').update(rbd(['export', '--no-progress', spec, '-'])).digest('hex');
    const runner = new LocalRbd({ confFile: conf });
    const repository = await Repository.init(openBackend(mkdtempSync(join(tmpdir(), 'strata-rbd-repo-'))), { password: 'rbd-test' });
    const image = { pool: cluster().bed.ceph!.pool, image: `${name}-${randomBytes(3).toString('hex')}` };
    return { rbd, sha, runner, repository, image };
  }

  it('stores complete images from diffs and restores each exactly', async () => {
    const { rbd, sha, runner, repository, image } = await onCeph('vol');

    // 48 MiB: random data in the first 20 MiB, zeros after.
    const initial = Buffer.alloc(48 * MiB);
    randomBytes(20 * MiB).copy(initial);
    const file = join(cluster().bed.dir, 'initial.img');
    writeFileSync(file, initial);
    rbd(['import', '--no-progress', file, `${image.pool}/${image.image}`]);

    const backups: { node: TreeNode; snapshot: string; added: number; changed: number; base: string | null }[] = [];
    let base: ImageBase | undefined;
    const backup = async (at: Date) => {
      const writer = new BlobWriter(repository);
      const source = new RbdImageBackup(runner, repository, writer);
      const result = await source.run(image, 'disk', base, { blockSize: MiB, at });
      await writer.flush();
      backups.push({ node: result.node, snapshot: result.record.snapshot, added: writer.stats.bytesAdded, changed: result.record.changedBytes, base: result.record.base });
      base = { snapshot: result.record.snapshot, size: result.record.size, blockSize: result.record.blockSize, blocks: result.node.content! };
      return result;
    };

    await backup(new Date('2026-11-24T01:00:00Z'));
    // 512 KiB written at the start: Ceph's diff names the touched object (4 MiB); one 1 MiB block changes.
    rbd(['bench', '--io-type', 'write', '--io-size', '4K', '--io-total', '512K', '--io-pattern', 'seq', '--io-threads', '1', image.image, '--pool', image.pool]);
    await backup(new Date('2026-11-25T01:00:00Z'));
    rbd(['resize', '--no-progress', '--size', '16M', '--allow-shrink', `${image.pool}/${image.image}`]);
    rbd(['resize', '--no-progress', '--size', '56M', `${image.pool}/${image.image}`]);
    rbd(['bench', '--io-type', 'write', '--io-size', '64K', '--io-total', '1M', '--io-pattern', 'rand', image.image, '--pool', image.pool]);
    await backup(new Date('2026-11-26T01:00:00Z'));

    expect(backups.map((b) => b.base)).toEqual([null, backups[0]!.snapshot, backups[1]!.snapshot]);
    expect(backups.map((b) => b.node.size)).toEqual([48 * MiB, 48 * MiB, 56 * MiB]);
    // The first backup stores the 20 MiB of data (zero blocks once); the next ones little.
    expect(backups[0]!.added).toBeLessThan(22 * MiB);
    expect(backups[1]!.changed).toBeLessThanOrEqual(4 * MiB);
    expect(backups[1]!.added).toBeLessThan(1.2 * MiB);

    for (const [i, b] of backups.entries()) {
      const target = { pool: image.pool, image: `${image.image}-restored-${i}` };
      const restored = await restoreImage(repository, runner, b.node, target);
      expect(restored.sha256).toBe(sha(`${image.pool}/${image.image}@${b.snapshot}`));
      expect(restored.bytes).toBe(b.node.size);
    }
    await expect(restoreImage(repository, runner, backups[0]!.node, { pool: image.pool, image: `${image.image}-restored-0` })).rejects.toThrow(/exists already/);

    // Live snapshots: all but the next diff base can go; a lost base means a full read, still exact.
    expect((await pruneLiveSnapshots(runner, image, backups[2]!.snapshot, undefined)).remove).toEqual([backups[0]!.snapshot, backups[1]!.snapshot]);
    expect(await liveSnapshots(runner, image)).toEqual([backups[2]!.snapshot]);
    base = { ...base!, snapshot: backups[0]!.snapshot };
    const full = await backup(new Date('2026-11-27T01:00:00Z'));
    expect(full.record.base).toBeNull();
    expect(full.warnings.join()).toContain('is gone; the whole image was read');
    const last = await restoreImage(repository, runner, full.node, { pool: image.pool, image: `${image.image}-restored-full` });
    expect(last.sha256).toBe(sha(`${image.pool}/${image.image}@${full.record.snapshot}`));
  }, 300_000);

  it('stores scattered small writes as deltas: the repository grows by about what was written, and every day restores exactly', async () => {
    const { rbd, sha, runner, repository, image } = await onCeph('db');
    const file = join(cluster().bed.dir, 'db.img');
    writeFileSync(file, randomBytes(32 * MiB));
    rbd(['import', '--no-progress', file, `${image.pool}/${image.image}`]);

    let base: ImageBase | undefined;
    const days: { node: TreeNode; snapshot: string; added: number; changed: number; deltas: number; stored: number }[] = [];
    for (let day = 0; day < 5; day++) {
      // A database's day: 512 KiB as 16 KiB writes at random places, over all eight 4 MiB blocks.
      if (day > 0) rbd(['bench', '--io-type', 'write', '--io-size', '16K', '--io-total', '512K', '--io-pattern', 'rand', '--io-threads', '4', image.image, '--pool', image.pool]);
      const writer = new BlobWriter(repository);
      const result = await new RbdImageBackup(runner, repository, writer).run(image, 'disk', base, { at: new Date(Date.UTC(2026, 10, 1 + day)) });
      await writer.flush();
      days.push({ node: result.node, snapshot: result.record.snapshot, added: writer.stats.bytesAdded, changed: result.record.changedBytes, deltas: result.record.blocksAsDeltas ?? 0, stored: result.record.blocksStored });
      base = { snapshot: result.record.snapshot, size: result.record.size, blockSize: result.record.blockSize, blocks: result.node.content! };
    }
    expect(days[0]!.added).toBeGreaterThan(32 * MiB);
    for (const day of days.slice(1)) {
      expect(day.changed).toBeGreaterThan(0);
      expect(day.changed).toBeLessThanOrEqual(512 * 1024);
      // Whole 4 MiB blocks would be 32 MiB a day; the deltas are the changed bytes and their headers.
      expect(day.deltas).toBe(day.stored);
      expect(day.added).toBeLessThan(1.5 * day.changed);
    }
    for (const [i, day] of days.entries()) {
      const restored = await restoreImage(repository, runner, day.node, { pool: image.pool, image: `${image.image}-day-${i}` });
      expect(restored.sha256).toBe(sha(`${image.pool}/${image.image}@${day.snapshot}`));
    }
  }, 300_000);
});
