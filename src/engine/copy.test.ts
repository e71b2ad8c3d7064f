import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.ts';
import { BlobWriter } from '../repository/blob-writer.ts';
import { Repository } from '../repository/repository.ts';
import { FORMAT_VERSION } from '../repository/config.ts';
import { listSnapshots, saveSnapshot } from '../repository/snapshots.ts';
import { copySnapshots } from './copy.ts';

const KiB = 1024;

describe('strata copy of a snapshot whose image blocks are deltas', () => {
  it('copies each chain as deltas, so the target rebuilds the same blocks and stores only the changes', async () => {
    const source = await Repository.init(new MemoryBackend(), { password: 'source' });
    const target = await Repository.init(new MemoryBackend(), { password: 'target' });
    const writer = new BlobWriter(source);
    const base = randomBytes(512 * KiB);
    const changed = Buffer.from(base);
    const extents = [{ start: 4 * KiB, bytes: randomBytes(16 * KiB) }, { start: 300 * KiB, bytes: randomBytes(16 * KiB) }];
    for (const e of extents) changed.set(e.bytes, e.start);
    const first = await writer.saveData(base);
    const second = await writer.saveDelta({ base: first, depth: 1, chainBytes: 32 * KiB, length: changed.length, extents });
    const third = await writer.saveDelta({ base: second, depth: 2, chainBytes: 33 * KiB, length: changed.length, extents: [{ start: 0, bytes: Buffer.alloc(KiB, 7) }] });
    const tree = await writer.saveTree([{ name: 'disk', type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: '0', size: 1024 * KiB, content: [first, third] }]);
    await writer.flush();
    await saveSnapshot(source, {
      version: FORMAT_VERSION, time: new Date().toISOString(), host: 'node-1', username: 'root', tags: [], paths: [], parent: null, tree,
      sources: [], summary: { files: 1, dirs: 0, bytes: 1024 * KiB, newBytes: 0, durationMs: 1 }, result: 'completed', warnings: [], origin: null,
    });

    const [copied] = await copySnapshots(source, target, (await listSnapshots(source)).snapshots);
    expect(copied).toMatchObject({ status: 'copied', blobsCopied: 4 });
    // The base whole, two small deltas and the tree: far less than three whole blocks.
    expect(copied!.bytesCopied).toBeLessThan(512 * KiB + 48 * KiB);
    await target.loadIndex({ force: true });
    expect(target.index.get(third)?.type).toBe('delta');
    const expected = Buffer.from(changed);
    expected.fill(7, 0, KiB);
    expect((await target.loadBlob(third)).equals(expected)).toBe(true);
    expect((await target.loadBlob(second)).equals(changed)).toBe(true);
  });
});
