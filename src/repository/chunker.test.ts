import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Chunker, type ChunkerParameters } from './chunker.ts';

const seed = createHash('sha256').update('strata-chunker-vector').digest('hex');
const small: ChunkerParameters = { algorithm: 'fastcdc-gear32-v1', gearSeed: seed, minSize: 2048, avgSize: 8192, maxSize: 65536 };

/** Deterministic, incompressible test data: SHA-256 of a counter. */
function vectorData(length: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i * 32 < length; i++) parts.push(createHash('sha256').update(`strata-test-vector-${i}`).digest());
  return Buffer.concat(parts).subarray(0, length);
}

function chunkAll(chunker: Chunker, data: Uint8Array): number[] {
  const lengths: number[] = [];
  for (let start = 0; start < data.length; ) {
    const length = chunker.cut(data, start, data.length, true);
    lengths.push(length);
    start += length;
  }
  return lengths;
}

/** Feeds the data in pieces as a file reader would, carrying the unfinished tail over. */
function chunkStreaming(chunker: Chunker, data: Uint8Array, piece: number): number[] {
  const lengths: number[] = [];
  let buffered = Buffer.alloc(0);
  for (let at = 0; at <= data.length; at += piece) {
    const final = at + piece >= data.length;
    buffered = Buffer.concat([buffered, data.subarray(at, at + piece)]);
    let start = 0;
    for (;;) {
      const length = chunker.cut(buffered, start, buffered.length, final);
      if (length <= 0) break;
      lengths.push(length);
      start += length;
    }
    buffered = buffered.subarray(start);
    if (final) break;
  }
  return lengths;
}

const digest = (lengths: number[]) => createHash('sha256').update(lengths.join(',')).digest('hex');

describe('fastcdc-gear32-v1 test vectors (the format: these must never change)', () => {
  it('cuts 1 MiB at the pinned boundaries with small sizes', () => {
    const lengths = chunkAll(new Chunker(small), vectorData(1 << 20));
    expect(lengths.length).toBe(113);
    expect(lengths.slice(0, 12)).toEqual([8694, 8926, 9363, 10326, 11095, 10540, 8231, 8273, 3485, 4764, 9672, 9529]);
    expect(digest(lengths)).toBe('fe0754842b574e8155b370d93a0a31469155b38befd836132d5b231bb5daa6de');
  });

  it('cuts 24 MiB at the pinned boundaries with the default sizes', () => {
    const chunker = new Chunker({ algorithm: 'fastcdc-gear32-v1', gearSeed: seed, minSize: 512 * 1024, avgSize: 1024 * 1024, maxSize: 8 * 1024 * 1024 });
    const lengths = chunkAll(chunker, vectorData(24 << 20));
    expect(lengths.length).toBe(21);
    expect(lengths.slice(0, 12)).toEqual([1068666, 1172597, 1545433, 937939, 1174607, 1076489, 1754620, 1217532, 1315806, 825302, 1109919, 1247372]);
    expect(digest(lengths)).toBe('c4c7b2b0a8c46a27d336b88cc539d9d72412dab0861b0df813468499431222ff');
  });

  it('depends on the repository seed', () => {
    const other = new Chunker({ ...small, gearSeed: createHash('sha256').update('another repository').digest('hex') });
    expect(chunkAll(other, vectorData(1 << 20))).not.toEqual(chunkAll(new Chunker(small), vectorData(1 << 20)));
  });
});

describe('chunker properties', () => {
  const chunker = new Chunker(small);

  it('covers the data exactly, within the size bounds, however it is fed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 70_000, max: 300_000 }), (length, offset, piece) => {
        const data = vectorData(length + offset).subarray(offset);
        const lengths = chunkAll(chunker, data);
        expect(lengths.reduce((a, b) => a + b, 0)).toBe(data.length);
        lengths.slice(0, -1).forEach((l) => {
          expect(l).toBeGreaterThan(small.minSize);
          expect(l).toBeLessThanOrEqual(small.maxSize);
        });
        expect(chunkStreaming(chunker, data, piece)).toEqual(lengths);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps most chunks after an insertion: only those around it change', () => {
    const chunkHashes = (d: Buffer) => {
      const set = new Set<string>();
      let start = 0;
      for (const l of chunkAll(chunker, d)) {
        set.add(createHash('sha256').update(d.subarray(start, start + l)).digest('hex'));
        start += l;
      }
      return set;
    };
    // The original data and its chunks do not depend on the generated values: computed once.
    const data = vectorData(1 << 20);
    const before = chunkHashes(data);
    fc.assert(
      fc.property(fc.integer({ min: 100_000, max: 900_000 }), fc.uint8Array({ minLength: 1, maxLength: 100 }), (at, inserted) => {
        const after = chunkHashes(Buffer.concat([data.subarray(0, at), inserted, data.subarray(at)]));
        const kept = [...before].filter((c) => after.has(c)).length;
        // Boundaries resynchronise within a few chunks (a skipped minimum can push one or two
        // cuts further), so at least 90% of the ~113 chunks must survive a small insertion.
        expect(kept).toBeGreaterThanOrEqual(Math.floor(before.size * 0.9));
      }),
      { numRuns: 40 },
    );
  });
});
