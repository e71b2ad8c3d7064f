import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measuredRto, renderReport, rtoLine, rtoMet, type DrillReport } from './report.ts';
import { drillId, isScratchImage, scratchImageSuffix, scratchNamespace } from './scratch.ts';
import { drillStatus } from './status.ts';

const report = (over: Partial<DrillReport> = {}): DrillReport => ({
  version: 1, id: 'd1', plan: 'nightly', snapshot: 'a'.repeat(64), snapshotTime: '2026-12-01T01:00:00Z', host: 'h', mode: 'scratch',
  startedAt: '2026-12-01T02:00:00.000Z', finishedAt: '2026-12-01T02:01:00.000Z', result: 'passed', rtoMs: 42_100, targetRtoMs: 3_600_000,
  layers: [{ layer: 'etcd', result: 'passed', detail: 'revision 9', startedMs: 0, durationMs: 5_000, readyMs: 5_000, steps: [{ name: 'start', result: 'passed', detail: 'PID 1', durationMs: 900 }] }],
  failures: [], cleanUp: { kept: false, removed: ['namespace shop-restore'], problems: [] }, ...over,
});

describe('drill reports', () => {
  it('the RTO is the latest layer ready; layers not drilled do not count', () => {
    fc.assert(fc.property(fc.array(fc.nat(1_000_000), { minLength: 1 }), (ready) => {
      const layers = ready.map((readyMs) => ({ readyMs, result: 'passed' as const }));
      expect(measuredRto([...layers, { readyMs: 2_000_000, result: 'not drilled' }])).toBe(Math.max(...ready));
    }));
  });

  it('an RTO is met only by a passed drill within the target', () => {
    expect(rtoMet(report())).toBe(true);
    expect(rtoMet(report({ rtoMs: 3_600_001 }))).toBe(false);
    expect(rtoMet(report({ result: 'failed' }))).toBe(false);
    expect(rtoMet({ result: 'passed', rtoMs: 9e9 })).toBe(true);
    expect(rtoLine(report())).toBe('RTO 42.1s, target 1h: met');
    expect(rtoLine(report({ rtoMs: 3_700_000 }))).toMatch(/target 1h: MISSED$/);
    expect(rtoLine({ result: 'passed', rtoMs: 1000 })).toBe('RTO 1.0s, no target (rto: in the plan): met');
  });

  it('renders each layer and step with its time, the failures and the clean-up', () => {
    const lines = renderReport(report({ result: 'failed', failures: ['objects: wait: Deployment x/y: not Available'], cleanUp: { kept: false, removed: [], problems: ['namespace x still terminating'] } }));
    expect(lines[0]).toBe('drill d1 of plan nightly: snapshot aaaaaaaa of 2026-12-01T01:00:00Z, restored into scratch targets: FAILED');
    expect(lines).toContain('    ok   start (0.9s): PID 1');
    expect(lines).toContain('  failed: objects: wait: Deployment x/y: not Available');
    expect(lines).toContain('  cleaned up: nothing was left');
    expect(lines).toContain('  clean-up problem: namespace x still terminating');
  });

  it('scratch names: a namespace too long with its suffix is refused, IDs are label values', () => {
    expect(scratchNamespace('shop', '-restore')).toBe('shop-restore');
    expect(() => scratchNamespace('a'.repeat(60), '-restore')).toThrow(/longer than 63 characters/);
    const id = drillId(new Date('2026-12-05T20:59:01.123Z'), 'ab12cd');
    expect(id).toBe('20261205t205901z-ab12cd');
    expect(id).toMatch(/^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/);
  });

  it('scratch images: only a drill-marked name of this plan, of another drill, is ever removed', () => {
    const id = drillId(new Date('2026-12-05T20:59:01Z'), 'ab12cd');
    const other = drillId(new Date('2026-12-06T20:59:01Z'), '00ff00');
    const name = `db-data${scratchImageSuffix('nightly', other)}`;
    expect(name).toBe('db-data-strata-drill-nightly-20261206t205901z-00ff00');
    expect(isScratchImage(name, 'nightly', id)).toBe(true);
    expect(isScratchImage(name, 'nightly', other)).toBe(false);
    expect(isScratchImage(name, 'weekly', id)).toBe(false);
    for (const kept of ['db-data', 'db-data-strata-drill-nightly-', 'db-data-strata-drill-nightly-latest', '-strata-drill-nightly-20261206t205901z-00ff00', `db${scratchImageSuffix('nightly', other)}-copy`]) {
      expect(isScratchImage(kept, 'nightly', id), kept).toBe(false);
    }
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,30}$/), (image) => {
      expect(isScratchImage(`${image}${scratchImageSuffix('nightly', other)}`, 'nightly', id)).toBe(true);
      if (!image.includes('-strata-drill-')) expect(isScratchImage(image, 'nightly', id)).toBe(false);
    }));
  });
});

describe('a plan\'s drill status', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  const monthly = { cron: '0 3 1 * *', timeZone: 'UTC' };
  const at = (startedAt: string, over: Partial<DrillReport> = {}) => report({ startedAt, ...over });

  it('is fine with a recent passed drill within the target, and names the last one', () => {
    const status = drillStatus([at('2026-11-01T03:00:00Z', { result: 'failed', failures: ['x'] }), at('2026-12-01T03:00:00Z')], 3_600_000, monthly, now);
    expect(status).toMatchObject({ lastDrill: '2026-12-01T03:00:00Z', lastResult: 'passed', lastRtoMs: 42_100, targetRtoMs: 3_600_000, violated: false, overdue: false });
  });

  it('is violated by a failed last drill, a missed RTO, or a schedule the drills fell behind', () => {
    expect(drillStatus([at('2026-12-01T03:00:00Z', { result: 'failed', failures: ['objects: wait: not ready'] })], undefined, monthly, now).reason).toBe('the last drill failed: objects: wait: not ready');
    expect(drillStatus([at('2026-12-01T03:00:00Z', { rtoMs: 7_200_000 })], 3_600_000, monthly, now).reason).toBe('the last drill\'s RTO 7200s is over the target 3600s');
    const weekly = drillStatus([at('2026-11-20T03:00:00Z')], undefined, { cron: '0 3 * * 1', timeZone: 'UTC' }, now);
    expect(weekly).toMatchObject({ overdue: true, violated: true, allowedAgeMs: 7 * 86_400_000 + 3_600_000 });
    expect(drillStatus([], undefined, monthly, now)).toMatchObject({ overdue: true, violated: true, reason: 'never drilled' });
  });

  it('without a schedule, no drill yet is not a violation', () => {
    expect(drillStatus([], 3_600_000, undefined, now)).toEqual({ targetRtoMs: 3_600_000, overdue: false, violated: false });
  });
});
