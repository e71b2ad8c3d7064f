import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bumpRevision, MINIMUM_BUMP, writeRate } from './bump-revision.ts';

describe('bumpRevision', () => {
  it('is at least a billion for a small cluster', () => {
    expect(bumpRevision({ revision: 12_345 })).toBe(MINIMUM_BUMP);
  });

  it('at least doubles a large revision', () => {
    expect(bumpRevision({ revision: 3_000_000_000 })).toBeGreaterThanOrEqual(6_000_000_000);
  });

  it('covers ten times the writes expected since the snapshot', () => {
    // 50,000 writes/s for a week: 3.0e10 expected, so at least 3.0e11.
    const bump = bumpRevision({ revision: 1_000, revisionsPerSecond: 50_000, secondsSinceSnapshot: 7 * 86_400 });
    expect(bump).toBeGreaterThanOrEqual(10 * 50_000 * 7 * 86_400);
  });

  it('property: never below any of its three floors, and within 10% of the largest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 1e5, noNaN: true }), fc.integer({ min: 0, max: 10 ** 8 }), (revision, rate, seconds) => {
        const bump = bumpRevision({ revision, revisionsPerSecond: rate, secondsSinceSnapshot: seconds });
        const floor = Math.max(MINIMUM_BUMP, 2 * revision, 10 * rate * seconds);
        expect(bump).toBeGreaterThanOrEqual(floor);
        expect(bump).toBeLessThanOrEqual(floor * 1.1 + 1);
        expect(Number.isSafeInteger(bump)).toBe(true);
      }),
    );
  });
});

describe('writeRate', () => {
  it('divides revisions by seconds between two snapshots', () => {
    expect(writeRate({ revision: 1000, time: '2026-11-01T00:00:00Z' }, { revision: 87_400, time: '2026-11-02T00:00:00Z' })).toBe(1);
  });

  it('cannot tell from snapshots out of order or taken at the same time', () => {
    expect(writeRate({ revision: 5, time: '2026-11-02T00:00:00Z' }, { revision: 9, time: '2026-11-01T00:00:00Z' })).toBeUndefined();
    expect(writeRate({ revision: 9, time: '2026-11-01T00:00:00Z' }, { revision: 5, time: '2026-11-02T00:00:00Z' })).toBeUndefined();
  });
});
