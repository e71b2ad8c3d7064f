/**
 * The streamed bolt reader against databases built here byte by byte from bbolt's layout
 * (the integration test compares it with upstream etcdutl on real snapshots).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { database, meta, PAGE } from '../../../test/helpers/bolt-database.ts';
import { BoltDamaged, BoltInventory } from './bolt-inventory.ts';

/** Feeds `bytes` cut at `cuts`; with `trailer`, followed by its SHA-256 as etcd streams it. */
function inventory(database: Buffer, cuts: readonly number[] = [], trailer = false) {
  const inv = new BoltInventory();
  const bytes = trailer ? Buffer.concat([database, createHash('sha256').update(database).digest()]) : database;
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    inv.push(bytes.subarray(at, Math.max(at, Math.min(cut, bytes.length))));
    at = Math.max(at, Math.min(cut, bytes.length));
  }
  inv.push(bytes.subarray(at));
  return trailer ? inv.finish(database.length) : inv.finish();
}

const opArbitrary = fc.record({ key: fc.constantFrom('/a', '/b', '/c', '/d', '/e', '/f'), del: fc.boolean(), size: fc.nat({ max: 120 }) });

describe('BoltInventory', () => {
  it('property: live keys and revision match a replay of the operations, however the stream is cut, with or without the trailer', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 9 }), fc.array(fc.nat({ max: 80_000 }), { maxLength: 6 }), fc.boolean(), (ops, perLeaf, cuts, trailer) => {
        const live = new Set<string>();
        for (const op of ops) {
          if (op.del) live.delete(op.key);
          else live.add(op.key);
        }
        const summary = inventory(database(ops, perLeaf), cuts, trailer);
        expect(summary.totalKeys).toBe(live.size);
        expect(summary.revision).toBe(ops.length + 1);
        expect(summary.buckets).toEqual({ key: ops.length, meta: 1 });
      }),
      { numRuns: 200 },
    );
  });

  it('reads values that overflow onto further pages', () => {
    const ops = Array.from({ length: 40 }, (_, i) => ({ key: `/k${i % 30}`, del: false, size: 120 }));
    const bytes = database(ops, 40);
    // One leaf of 40 × ~150 bytes spans two pages.
    expect(bytes.readUInt32LE(4 * PAGE + 12)).toBe(1);
    expect(inventory(bytes, [4 * PAGE + 100, 5 * PAGE + 7])).toMatchObject({ totalKeys: 30, revision: 41 });
  });

  it('takes the meta page with the newest valid transaction', () => {
    const bytes = database([{ key: '/a', del: false, size: 1 }], 4);
    // Page 0 made invalid: page 1 (older, same root) must be used.
    meta(0, 2, bytes.length / PAGE, 9, false).copy(bytes, 0);
    expect(inventory(bytes).totalKeys).toBe(1);
  });

  it('reports a truncated database, a missing page and a file that is not bolt', () => {
    const bytes = database([{ key: '/a', del: false, size: 1 }, { key: '/b', del: false, size: 1 }], 1);
    expect(() => inventory(bytes.subarray(0, bytes.length - PAGE))).toThrow(/truncated/);
    const holed = Buffer.from(bytes);
    holed.fill(0, 4 * PAGE, 5 * PAGE);
    expect(() => inventory(holed)).toThrow(BoltDamaged);
    expect(() => inventory(Buffer.alloc(3 * PAGE, 1))).toThrow(/not an etcd database/);
  });
});
