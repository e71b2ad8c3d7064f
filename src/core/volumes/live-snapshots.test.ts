import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideLiveSnapshots, liveSnapshotName, liveSnapshotTime } from './live-snapshots.ts';

const name = (iso: string) => liveSnapshotName(new Date(iso));

describe('live Ceph snapshots', () => {
  it('names snapshots by UTC second and reads the time back; other names are not ours', () => {
    expect(name('2026-11-24T12:00:05.999Z')).toBe('strata-20261124T120005Z');
    expect(liveSnapshotTime('strata-20261124T120005Z')).toBe(Date.parse('2026-11-24T12:00:05Z'));
    for (const other of ['strata-20261324T120005Z', 'strata-20261124T120005', 'manual-20261124T120005Z', 'strata-before-restore']) expect(liveSnapshotTime(other)).toBeUndefined();
  });

  it('keeps only the diff base without a policy, and never touches names that are not Strata\'s', () => {
    const names = [name('2026-11-20T01:00:00Z'), name('2026-11-21T01:00:00Z'), 'manual', name('2026-11-22T01:00:00Z')];
    const decision = decideLiveSnapshots(names, names[3]!, undefined);
    expect(decision.keep).toEqual([names[3]]);
    expect(decision.remove).toEqual([names[0], names[1]]);
    expect(decision.reasons.get(names[3]!)).toEqual(['next diff base']);
  });

  it('keeps daily, weekly and monthly snapshots by the policy (restic semantics) plus the diff base', () => {
    // One snapshot a day at 01:00 for 70 days, the newest being the backup just taken.
    const days = Array.from({ length: 70 }, (_, i) => name(new Date(Date.parse('2026-09-16T01:00:00Z') + i * 86_400_000).toISOString()));
    const newest = days.at(-1)!;
    const decision = decideLiveSnapshots(days, newest, { daily: 3, weekly: 2, monthly: 2 });
    // daily: 24, 23, 22 Nov; weekly: the week of 23-24 Nov (its newest, the 24th) and the week before (22 Nov, a Sunday); monthly: Nov (24th) and Oct (31st).
    expect(decision.keep).toEqual([name('2026-10-31T01:00:00Z'), name('2026-11-22T01:00:00Z'), name('2026-11-23T01:00:00Z'), name('2026-11-24T01:00:00Z')]);
    expect(decision.keep.length + decision.remove.length).toBe(70);
    expect(decision.reasons.get(newest)).toContain('daily #1 (2026-11-24)');
  });

  it('always keeps the diff base and only removes Strata snapshots (property)', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 40 }),
      fc.nat(),
      fc.record({ last: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), daily: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), weekly: fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined }) }),
      (hours, pick, policy) => {
        const names = hours.map((h) => name(new Date(Date.parse('2026-01-01T00:00:00Z') + h * 3_600_000).toISOString()));
        const base = names[pick % names.length]!;
        const clean = Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined));
        const decision = decideLiveSnapshots([...names, 'kept-by-hand'], base, clean);
        expect(decision.keep).toContain(base);
        expect(decision.remove).not.toContain('kept-by-hand');
        expect(decision.keep).not.toContain('kept-by-hand');
        expect(new Set([...decision.keep, ...decision.remove])).toEqual(new Set(names));
      },
    ));
  });
});
