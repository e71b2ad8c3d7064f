import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueIdentities } from './value-identities.ts';

/** etcd's revision key: main u64 big-endian, '_', sub u64 big-endian, 't' on a tombstone. */
function revisionKey(main: number, sub: number, tombstone: boolean): Buffer {
  const key = Buffer.alloc(tombstone ? 18 : 17);
  key.writeBigUInt64BE(BigInt(main), 0);
  key[8] = 0x5f;
  key.writeBigUInt64BE(BigInt(sub), 9);
  if (tombstone) key[17] = 0x74;
  return key;
}

/** What the table must agree with: a Map keyed by every byte of the identity. */
function reference(key: Uint8Array, length: number, crc: number): string {
  return `${Buffer.from(key).toString('hex')}/${length}/${crc}`;
}

// Few distinct numbers, so that identities share a main revision, a sub revision, a length
// or a CRC and only the rest tells them apart.
const small = fc.integer({ min: 0, max: 3 });
const revision = fc.record({
  main: fc.oneof(small, fc.constant(2 ** 32 + 1), fc.constant(Number.MAX_SAFE_INTEGER)),
  sub: fc.oneof(small, fc.constant(2 ** 40)),
  tombstone: fc.boolean(),
});
const key = fc.oneof(
  revision.map(({ main, sub, tombstone }) => revisionKey(main, sub, tombstone)),
  // Not a revision key: a stored table could hold one; it must be kept apart all the same.
  fc.uint8Array({ maxLength: 20 }),
);
const identity = fc.record({ key, length: fc.oneof(small, fc.constant(2 ** 31 + 5)), crc: fc.oneof(small, fc.constant(0xffffffff)) });

describe('ValueIdentities', () => {
  it('property: answers as a Map of the whole identity would, through growth and overwrites', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(identity, fc.integer({ min: -1000, max: 1000 })), { maxLength: 3000 }), fc.array(identity, { maxLength: 50 }), (sets, probes) => {
        const table = new ValueIdentities();
        const expected = new Map<string, number>();
        for (const [{ key, length, crc }, handle] of sets) {
          table.set(key, length, crc, handle);
          expected.set(reference(key, length, crc), handle);
        }
        expect(table.size).toBe(expected.size);
        for (const { key, length, crc } of [...sets.map(([i]) => i), ...probes]) {
          expect(table.get(key, length, crc)).toBe(expected.get(reference(key, length, crc)));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('tells apart a tombstone from the put of the same revision, and keeps hundreds of thousands of values', () => {
    const table = new ValueIdentities();
    table.set(revisionKey(7, 0, false), 10, 1, 1);
    expect(table.get(revisionKey(7, 0, true), 10, 1)).toBeUndefined();
    for (let main = 1; main <= 300_000; main++) table.set(revisionKey(main, 1, false), main % 4096, main, -main);
    expect(table.size).toBe(300_001);
    expect(table.get(revisionKey(299_999, 1, false), 299_999 % 4096, 299_999)).toBe(-299_999);
    expect(table.get(revisionKey(299_999, 1, false), 299_999 % 4096, 0)).toBeUndefined();
    expect(table.get(revisionKey(7, 0, false), 10, 1)).toBe(1);
  });
});
