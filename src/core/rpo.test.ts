import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rpoStatus } from './rpo.ts';

const now = Date.parse('2026-11-24T12:00:00Z');
const hour = 3_600_000;

describe('rpoStatus', () => {
  it('is met by a completed snapshot within the RPO and violated by an older one', () => {
    expect(rpoStatus([{ time: '2026-11-24T01:00:00Z', result: 'completed' }], 24 * hour, now)).toEqual({ lastGood: '2026-11-24T01:00:00Z', ageMs: 11 * hour, rpoMs: 24 * hour, violated: false });
    expect(rpoStatus([{ time: '2026-11-23T11:00:00Z', result: 'completed' }], 24 * hour, now).violated).toBe(true);
  });

  it('does not count partially failed snapshots, and is violated when there is no good one at all', () => {
    const status = rpoStatus([{ time: '2026-11-23T01:00:00Z', result: 'completed' }, { time: '2026-11-24T11:00:00Z', result: 'partially-failed' }], 24 * hour, now);
    expect(status.lastGood).toBe('2026-11-23T01:00:00Z');
    expect(status.violated).toBe(true);
    expect(rpoStatus([], 24 * hour, now).violated).toBe(true);
  });

  it('is never violated without an RPO, and agrees with the newest completed snapshot whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ t: fc.integer({ min: 0, max: 100 * hour }), ok: fc.boolean() })), fc.integer({ min: 1, max: 50 * hour }), (list, rpo) => {
        const snapshots = list.map((s) => ({ time: new Date(now - s.t).toISOString(), result: s.ok ? 'completed' : 'failed' }));
        expect(rpoStatus(snapshots, undefined, now).violated).toBe(false);
        const newest = Math.min(...list.filter((s) => s.ok).map((s) => s.t));
        expect(rpoStatus(snapshots, rpo, now).violated).toBe(!(newest <= rpo));
        expect(rpoStatus([...snapshots].reverse(), rpo, now)).toEqual(rpoStatus(snapshots, rpo, now));
      }),
    );
  });
});
