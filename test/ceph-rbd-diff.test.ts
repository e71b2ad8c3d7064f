/**
 * The test bed's Ceph and the rbd diff reader against real `rbd export-diff` output: an
 * image rebuilt from the full diff of its first snapshot, then patched with the diff from
 * that snapshot to the next, is byte for byte what `rbd export` gives for each snapshot.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDiffStream } from '../src/sources/volumes/rbd/diff-stream.ts';
import { useCluster } from './helpers/testbed.ts';

const MiB = 1024 * 1024;

describe('rbd export-diff on the test bed Ceph', () => {
  const cluster = useCluster({ name: 'ceph-diff', nodes: 1, ceph: true });
  const image = `diff-${randomBytes(3).toString('hex')}`;
  // --no-progress is a per-command option, and `bench` has none.
  const rbd = (args: readonly string[]): Buffer => execFileSync('rbd', ['-c', cluster().bed.ceph!.conf, ...args], { maxBuffer: 256 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });

  async function apply(target: Buffer, args: readonly string[]): Promise<{ size?: number; writes: number; zeros: number; from?: string; to?: string }> {
    const child = spawn('rbd', ['-c', cluster().bed.ceph!.conf, 'export-diff', '--no-progress', ...args, '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const seen: { size?: number; writes: number; zeros: number; from?: string; to?: string } = { writes: 0, zeros: 0 };
    for await (const record of readDiffStream(child.stdout, MiB)) {
      if (record.kind === 'write') {
        record.data.copy(target, record.offset);
        seen.writes++;
      } else if (record.kind === 'zero') {
        target.fill(0, record.offset, record.offset + record.length);
        seen.zeros++;
      } else if (record.kind === 'size') seen.size = record.bytes;
      else if (record.kind === 'from') seen.from = record.snapshot;
      else if (record.kind === 'to') seen.to = record.snapshot;
    }
    return seen;
  }

  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('rebuilds each snapshot exactly from a full diff and an incremental one', async () => {
    const scratch = cluster().bed.dir;
    const initial = Buffer.alloc(64 * MiB);
    for (let at = 0; at < initial.length; at += 8 * MiB) randomBytes(MiB).copy(initial, at);
    writeFileSync(join(scratch, 'initial.img'), initial);
    rbd(['import', '--no-progress', join(scratch, 'initial.img'), image]);
    rbd(['snap', 'create', `${image}@one`]);
    // Scattered small writes, a range cut off by shrinking, and a grown image.
    rbd(['bench', '--io-type', 'write', '--io-size', '4K', '--io-total', '1M', '--io-pattern', 'rand', image]);
    rbd(['resize', '--size', '48M', '--allow-shrink', image]);
    rbd(['resize', '--size', '80M', image]);
    rbd(['snap', 'create', `${image}@two`]);

    const one = Buffer.alloc(64 * MiB);
    const full = await apply(one, [`${image}@one`]);
    expect(full).toMatchObject({ size: 64 * MiB, to: 'one' });
    expect(full.writes).toBeGreaterThan(0);
    expect(sha(one)).toBe(sha(rbd(['export', '--no-progress', `${image}@one`, '-'])));

    const two = Buffer.alloc(80 * MiB);
    one.copy(two);
    const incremental = await apply(two, ['--from-snap', 'one', `${image}@two`]);
    expect(incremental).toMatchObject({ from: 'one', to: 'two', size: 80 * MiB });
    expect(incremental.writes + incremental.zeros).toBeGreaterThan(0);
    expect(sha(two)).toBe(sha(rbd(['export', '--no-progress', `${image}@two`, '-'])));
  }, 180_000);
});
