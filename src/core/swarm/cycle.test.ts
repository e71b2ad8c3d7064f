import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimName, claimPrefix, cycleStart } from './cycle.ts';

const HOUR = 3_600_000;

describe('swarm backup cycles', () => {
  it('puts runs of one window in one cycle, and the next window in another', () => {
    expect(cycleStart(new Date('2026-12-05T07:00:00Z'), HOUR).toISOString()).toBe('2026-12-05T07:00:00.000Z');
    expect(cycleStart(new Date('2026-12-05T07:59:59.999Z'), HOUR).toISOString()).toBe('2026-12-05T07:00:00.000Z');
    expect(cycleStart(new Date('2026-12-05T08:00:00Z'), HOUR).toISOString()).toBe('2026-12-05T08:00:00.000Z');
    fc.assert(fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 60_000, max: 7 * 24 * HOUR }), (t, window) => {
      const start = cycleStart(new Date(t), window).getTime();
      expect(start).toBeLessThanOrEqual(t);
      expect(t - start).toBeLessThan(window);
      expect(cycleStart(new Date(start), window).getTime()).toBe(start);
    }));
  });

  it('names a cycle as a valid swarm config name under the plan\'s prefix', () => {
    expect(claimName('nightly', new Date('2026-12-05T07:00:00Z'))).toBe('strata-cycle-nightly-20261205T070000Z');
    fc.assert(fc.property(fc.string({ maxLength: 80 }), fc.integer({ min: 0, max: 4e12 }), (plan, t) => {
      const name = claimName(plan, new Date(t));
      expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9]$/);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name.startsWith(claimPrefix(plan))).toBe(true);
    }));
  });
});
