import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.ts';
import { BlobWriter } from './blob-writer.ts';
import { Chunker } from './chunker.ts';
import { Repository } from './repository.ts';
import { SealerPool } from './sealer/pool.ts';
import { StreamWriter, type Cutting } from './stream-writer.ts';

async function repository(): Promise<Repository> {
  // Small chunks so a few hundred KiB exercise many boundaries.
  return Repository.init(new MemoryBackend(), { password: 'stream test' }, { chunker: { minSize: 4096, avgSize: 16384, maxSize: 65536 } });
}

async function store(repo: Repository, data: Buffer, cuts: readonly number[], cutting: Cutting, sealer?: SealerPool, writer = new BlobWriter(repo)) {
  const stream = new StreamWriter(repo, writer, cutting, sealer);
  let at = 0;
  for (const cut of [...cuts, data.length].sort((a, b) => a - b)) {
    const end = Math.min(Math.max(cut, at), data.length);
    await stream.push(data.subarray(at, end));
    at = end;
  }
  const result = await stream.finish();
  await writer.flush();
  return result;
}

async function read(repo: Repository, content: readonly string[]): Promise<Buffer> {
  return Buffer.concat(await Promise.all(content.map((id) => repo.loadBlob(id))));
}

describe('StreamWriter', () => {
  it('property: content-defined cuts do not depend on how the stream arrives, and read back exactly', async () => {
    const repo = await repository();
    const whole = new Chunker(repo.config.chunker);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 400_000 }), fc.array(fc.nat({ max: 400_000 }), { maxLength: 12 }), async (size, cuts) => {
        const data = randomBytes(size);
        const { content, size: stored } = await store(repo, data, cuts, { kind: 'content-defined' });
        expect(stored).toBe(size);
        const lengths: number[] = [];
        for (let at = 0; at < size; ) at += lengths[lengths.push(whole.cut(data, at, size, true)) - 1]!;
        expect(content.length).toBe(lengths.length);
        expect((await read(repo, content)).equals(data)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('aligned cutting gives fixed pieces from the start, so an in-place change touches one piece', async () => {
    const repo = await repository();
    const data = randomBytes(10 * 16384 + 100);
    const first = await store(repo, data, [5000, 70_000], { kind: 'aligned', size: 16384 });
    expect(first.content).toHaveLength(11);
    const changed = Buffer.from(data);
    changed[3 * 16384 + 7]! ^= 0xff;
    const second = await store(repo, changed, [123], { kind: 'aligned', size: 16384 });
    expect(second.content.filter((id, i) => id !== first.content[i])).toHaveLength(1);
    expect((await read(repo, second.content)).equals(changed)).toBe(true);
  });

  it('aligned pieces sealed on workers get the same IDs, in order, and repeated pieces are stored once', async () => {
    const repo = await repository();
    const page = randomBytes(16384);
    // 150 pieces (workers take them 64 to a block: two full blocks and a part), a third of
    // them the same page (zero pages, repeated records), and a short last piece.
    const data = Buffer.concat([...Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? page : randomBytes(16384))), randomBytes(5000)]);
    const writer = new BlobWriter(repo);
    const pool = new SealerPool(repo, writer);
    try {
      const onWorkers = await store(repo, data, [1000, 100_000, 300_000, 1_048_576, 2_000_000], { kind: 'aligned', size: 16384 }, pool, writer);
      expect(onWorkers.content).toHaveLength(151);
      expect(writer.stats.blobsAdded).toBe(151 - 49);
      expect((await read(repo, onWorkers.content)).equals(data)).toBe(true);
      const onMain = await store(repo, data, [], { kind: 'aligned', size: 16384 });
      expect(onMain.content).toEqual(onWorkers.content);
    } finally {
      await pool.close();
    }
  });
});
