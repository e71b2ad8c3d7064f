import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.ts';
import { BlobWriter } from './blob-writer.ts';
import { BlobDamaged } from './blob.ts';
import { RepositoryDamaged } from './errors.ts';
import { applyDelta, decodeDelta, encodeDelta, MAX_DEPTH, worthADelta, type Delta } from './delta.ts';
import { sha256, type Id } from './hash.ts';
import { parsePackHeader, packKey } from './pack.ts';
import { reachableBlobs } from './reachable.ts';
import { Repository } from './repository.ts';
import type { StoredSnapshot } from './snapshot.ts';

const KiB = 1024;

describe('delta blobs, pure', () => {
  it('decodes what it encodes', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 64 * KiB }),
      fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 0, maxLength: 300 })), { maxLength: 20 }),
      fc.integer({ min: 1, max: MAX_DEPTH }),
      (length, raw, depth) => {
        const extents = raw.map(([at, bytes]) => ({ start: Math.min(at % length, length - Math.min(bytes.length, length)), bytes: bytes.subarray(0, length) }));
        const delta: Delta = { base: sha256(Buffer.from(String(length))), depth, chainBytes: 7 * depth, length, extents };
        const decoded = decodeDelta(encodeDelta(delta));
        expect(decoded).toEqual({ ...delta, extents: extents.map((e) => ({ start: e.start, bytes: Buffer.from(e.bytes) })) });
        // Applied in order, later extents win where they overlap.
        const block = Buffer.alloc(length, 0xaa);
        applyDelta(block, decoded);
        const expected = Buffer.alloc(length, 0xaa);
        for (const e of extents) expected.set(e.bytes, e.start);
        expect(block.equals(expected)).toBe(true);
      },
    ));
  });

  it('refuses an extent outside the block and trailing bytes', () => {
    const good = encodeDelta({ base: sha256(Buffer.from('b')), depth: 1, chainBytes: 4, length: 8, extents: [{ start: 4, bytes: Buffer.from('abcd') }] });
    expect(() => decodeDelta(Buffer.concat([good, Buffer.from('x')]))).toThrow(/no extent accounts for/);
    const outside = Buffer.from(good);
    outside.writeUInt32LE(6, 50); // start 6 + 4 bytes > length 8
    expect(() => decodeDelta(outside)).toThrow(/outside the block/);
    expect(() => decodeDelta(Buffer.from('not a delta at all, no magic in front of it here'))).toThrow(/not a delta/);
  });

  it('stores a small change as a delta until the chain is deep or holds half the block', () => {
    const block = 4096 * KiB;
    expect(worthADelta(block, 64 * KiB, { depth: 0, chainBytes: 0 })).toBe(true);
    expect(worthADelta(block, block / 4 + 1, { depth: 0, chainBytes: 0 })).toBe(false);
    expect(worthADelta(block, 64 * KiB, { depth: MAX_DEPTH - 1, chainBytes: 0 })).toBe(true);
    expect(worthADelta(block, 64 * KiB, { depth: MAX_DEPTH, chainBytes: 0 })).toBe(false);
    expect(worthADelta(block, 64 * KiB, { depth: 3, chainBytes: block / 2 - 64 * KiB })).toBe(true);
    expect(worthADelta(block, 64 * KiB, { depth: 3, chainBytes: block / 2 - 64 * KiB + 1 })).toBe(false);
  });
});

describe('delta blobs in a repository', () => {
  /** A 256 KiB base block and three blocks, each a few changed extents over the one before. */
  async function chain() {
    const backend = new MemoryBackend();
    const repository = await Repository.init(backend, { password: 'deltas' });
    const writer = new BlobWriter(repository);
    const blocks = [randomBytes(256 * KiB)];
    const ids: Id[] = [await writer.saveData(blocks[0]!)];
    for (let depth = 1; depth <= 3; depth++) {
      const next = Buffer.from(blocks.at(-1)!);
      const extents = [{ start: depth * 1000, bytes: randomBytes(4 * KiB) }, { start: 200 * KiB + depth, bytes: randomBytes(100) }];
      for (const e of extents) next.set(e.bytes, e.start);
      ids.push(await writer.saveDelta({ base: ids.at(-1)!, depth, chainBytes: depth * (4 * KiB + 100), length: next.length, extents }));
      blocks.push(next);
    }
    await writer.flush();
    return { backend, repository, blocks, ids, writer };
  }

  it('gives every block of a chain back whole, also after reopening, and stores only the changes', async () => {
    const { backend, blocks, ids, writer } = await chain();
    expect(writer.stats.bytesAdded).toBeLessThan(256 * KiB + 3 * 6 * KiB);
    const reopened = await Repository.open(backend, { password: 'deltas' });
    await reopened.loadIndex();
    for (const [i, id] of ids.entries()) expect((await reopened.loadBlob(id)).equals(blocks[i]!)).toBe(true);
    expect(reopened.index.get(ids[3]!)).toMatchObject({ type: 'delta', rawLength: 256 * KiB });
    // The index file says version 2 (a strata without deltas refuses it); the pack header says delta.
    const indexKey = [...backend.objects.keys()].find((k) => k.startsWith('index/'))!;
    expect((reopened.unsealMetadata('index', backend.objects.get(indexKey)!) as { version: number }).version).toBe(2);
    const pack = reopened.index.get(ids[1]!)!.pack;
    const bytes = backend.objects.get(packKey(pack))!;
    const header = parsePackHeader(reopened.masterKey, bytes, bytes.length);
    expect('need' in header ? [] : header.map((b) => b.type)).toEqual(['delta', 'delta', 'delta']);
  });

  it('names the damage when a link of the chain is missing or altered', async () => {
    const { backend, repository, ids } = await chain();
    const writer = new BlobWriter(repository);
    const orphan = await writer.saveDelta({ base: sha256(Buffer.from('a block nobody stored')), depth: 1, chainBytes: 1, length: 256 * KiB, extents: [{ start: 0, bytes: Buffer.from('x') }] });
    await writer.flush();
    await expect(repository.loadBlob(orphan)).rejects.toBeInstanceOf(RepositoryDamaged);
    await expect(repository.loadBlob(orphan)).rejects.toThrow(/is in no index/);
    // One flipped byte in the middle delta's sealed bytes: every block above it is damaged, the ones below are not.
    const location = repository.index.get(ids[2]!)!;
    backend.objects.get(packKey(location.pack))![location.offset + 40]! ^= 1;
    const fresh = await Repository.open(backend, { password: 'deltas' });
    await fresh.loadIndex();
    await expect(fresh.loadBlob(ids[3]!)).rejects.toBeInstanceOf(BlobDamaged);
    await expect(fresh.loadBlob(ids[2]!)).rejects.toBeInstanceOf(BlobDamaged);
    expect((await fresh.loadBlob(ids[1]!)).length).toBe(256 * KiB);
  });

  it('counts the blocks under a delta as used, so prune keeps them', async () => {
    const { repository, ids } = await chain();
    const writer = new BlobWriter(repository);
    const tree = await writer.saveTree([{ name: 'disk', type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: '0', size: 256 * KiB, content: [ids[3]!] }]);
    await writer.flush();
    const { used, missing } = await reachableBlobs(repository, [{ id: sha256(Buffer.from('snapshot')), tree } as StoredSnapshot]);
    for (const blob of ids) expect(used.has(blob)).toBe(true);
    expect(missing.size).toBe(0);
  });
});
