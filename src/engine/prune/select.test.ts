import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectPacks, type PackUsage } from './select.ts';

const pack = (id: string, size: number, usedBytes: number, usedBlobs: number, blobs: number, indexed = true): PackUsage => ({ id, size, usedBytes, usedBlobs, blobs, indexed });

const packs = fc.array(
  fc.record({ size: fc.integer({ min: 100, max: 10_000 }), usedShare: fc.double({ min: 0, max: 1, noNaN: true }), blobs: fc.integer({ min: 1, max: 20 }), indexed: fc.boolean() }).map((p) => {
    const usedBlobs = Math.round(p.usedShare * p.blobs);
    return { size: p.size, usedBytes: Math.floor((p.size * usedBlobs) / p.blobs * 0.99), usedBlobs, blobs: p.blobs, indexed: p.indexed };
  }),
  { maxLength: 40 },
).map((list) => list.map((p, i) => ({ ...p, id: `p${String(i).padStart(3, '0')}` })));

describe('selectPacks', () => {
  it('removes unused packs, re-indexes used strays, keeps full packs, and repacks the most wasteful first', () => {
    const result = selectPacks([
      pack('full', 1000, 990, 10, 10),
      pack('empty', 1000, 0, 0, 10),
      pack('stray-used', 500, 400, 4, 5, false),
      pack('stray-unused', 500, 0, 0, 5, false),
      pack('mostly-waste', 1000, 100, 1, 10),
      pack('a-little-waste', 1000, 900, 9, 10),
    ], 0.05);
    expect([...result.remove].sort()).toEqual(['empty', 'stray-unused']);
    expect(result.reindex).toEqual(['stray-used']);
    expect(result.repack[0]).toBe('mostly-waste');
    expect(result.keep).toContain('full');
    expect(result.stats.freedBytes).toBeGreaterThanOrEqual(1000 + 500 + 900);
  });

  it('repacks nothing when any amount of unused space is allowed', () => {
    const result = selectPacks([pack('half', 1000, 500, 5, 10)], 1);
    expect(result.repack).toEqual([]);
    expect(result.keep).toEqual(['half']);
  });

  it('every pack gets exactly one fate; nothing used is removed; once a partly used pack is kept, the unused that remains is within the limit', () => {
    fc.assert(
      fc.property(packs, fc.double({ min: 0, max: 0.99, noNaN: true }), (list, maxUnused) => {
        const r = selectPacks(list, maxUnused);
        const fates = [...r.remove, ...r.repack, ...r.reindex, ...r.keep];
        expect(fates.sort()).toEqual(list.map((p) => p.id).sort());
        for (const id of r.remove) expect(list.find((p) => p.id === id)!.usedBlobs).toBe(0);
        for (const id of r.repack) expect(list.find((p) => p.id === id)!.indexed).toBe(true);
        const allowed = (r.stats.usedBytes * maxUnused) / (1 - maxUnused);
        const partialKept = r.keep.map((id) => list.find((p) => p.id === id)!).filter((p) => p.usedBlobs < p.blobs);
        if (partialKept.length > 0) expect(r.stats.unusedAfterBytes).toBeLessThanOrEqual(allowed + 1e-6);
        expect(r.stats.freedBytes).toBeLessThanOrEqual(r.stats.unusedBytes);
      }),
    );
  });

  it('does not depend on the order packs are listed in', () => {
    fc.assert(
      fc.property(packs, fc.double({ min: 0, max: 0.5, noNaN: true }), (list, maxUnused) => {
        const a = selectPacks(list, maxUnused);
        const b = selectPacks([...list].reverse(), maxUnused);
        expect([...b.repack].sort()).toEqual([...a.repack].sort());
        expect([...b.remove].sort()).toEqual([...a.remove].sort());
      }),
    );
  });
});
