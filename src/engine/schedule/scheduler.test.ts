/**
 * The scheduler against a controlled clock: runs fire at the expected instants (time zone,
 * jitter), a plan never overlaps itself, fire times that pass during a long run are skipped,
 * failed runs are retried with backoff but not past the next fire, and a standby runs nothing.
 */
import { describe, expect, it } from 'vitest';
import type { RunResult, RunTrigger } from '../plan/run.ts';
import { MAX_TIMER_MS, sleepInChunks, type Clock } from './clock.ts';
import { Scheduler, type SchedulerEvent, type SchedulerOptions } from './scheduler.ts';

class FakeClock implements Clock {
  private waiters: { due: number; resolve: () => void }[] = [];
  private current: number;
  constructor(start: number) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiter = { due: this.current + ms, resolve };
      this.waiters.push(waiter);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  /** Moves time forward to `to`, waking sleepers in order and letting them run between. */
  async advanceTo(to: number): Promise<void> {
    for (let step = 0; step < 100_000; step++) {
      await flush();
      this.waiters.sort((a, b) => a.due - b.due);
      const next = this.waiters[0];
      if (next === undefined || next.due > to) break;
      this.waiters.shift();
      this.current = Math.max(this.current, next.due);
      next.resolve();
    }
    this.current = to;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const t = (iso: string) => Date.parse(iso);
const MIN = 60_000;

function harness(start: string, plans: { name: string; cron: string; timeZone?: string; jitterMs?: number }[], overrides: Partial<SchedulerOptions> & { durationMs?: number; results?: RunResult[] } = {}) {
  const clock = new FakeClock(t(start));
  const runs: { plan: string; at: string; trigger: RunTrigger; attempt: number }[] = [];
  const events: SchedulerEvent[] = [];
  let active = 0;
  let maxActive = 0;
  const results = [...(overrides.results ?? [])];
  const scheduler = new Scheduler(
    plans.map((p) => ({ name: p.name, cron: p.cron, timeZone: p.timeZone ?? 'UTC', jitterMs: p.jitterMs ?? 0 })),
    {
      clock,
      isLeader: () => true,
      onEvent: (e) => events.push(e),
      run: async (plan, trigger, attempt, signal) => {
        runs.push({ plan, at: new Date(clock.now()).toISOString(), trigger, attempt });
        active++;
        maxActive = Math.max(maxActive, active);
        await clock.sleep(overrides.durationMs ?? MIN, signal);
        active--;
        return results.shift() ?? 'succeeded';
      },
      ...overrides,
    },
  );
  scheduler.start();
  return { clock, runs, events, scheduler, maxActive: () => maxActive };
}

describe('scheduler', () => {
  it('fires each plan at its cron instants in its time zone', async () => {
    const h = harness('2026-11-24T10:17:00Z', [
      { name: 'hourly', cron: '0 * * * *' },
      { name: 'nightly-rome', cron: '0 1 * * *', timeZone: 'Europe/Rome' },
    ]);
    await h.clock.advanceTo(t('2026-11-25T02:30:00Z'));
    await h.scheduler.stop();
    expect(h.runs.filter((r) => r.plan === 'nightly-rome').map((r) => r.at)).toEqual(['2026-11-25T00:00:00.000Z']);
    const hourly = h.runs.filter((r) => r.plan === 'hourly').map((r) => r.at);
    expect(hourly[0]).toBe('2026-11-24T11:00:00.000Z');
    expect(hourly).toHaveLength(16);
    expect(hourly.at(-1)).toBe('2026-11-25T02:00:00.000Z');
  });

  it('never overlaps a plan with itself: fire times during a long run are skipped and counted', async () => {
    const h = harness('2026-11-24T10:17:00Z', [{ name: 'slow', cron: '0 * * * *' }], { durationMs: 150 * MIN });
    await h.clock.advanceTo(t('2026-11-24T17:30:00Z'));
    await h.scheduler.stop();
    expect(h.maxActive()).toBe(1);
    // 11:00 runs until 13:30 (12:00 and 13:00 skipped), then 14:00 until 16:30, then 17:00.
    expect(h.runs.map((r) => r.at)).toEqual(['2026-11-24T11:00:00.000Z', '2026-11-24T14:00:00.000Z', '2026-11-24T17:00:00.000Z']);
    expect(h.events.filter((e) => e.kind === 'missed')).toEqual([{ kind: 'missed', plan: 'slow', count: 2 }, { kind: 'missed', plan: 'slow', count: 2 }]);
  });

  it('adds up to the jitter to each fire time', async () => {
    const h = harness('2026-11-24T10:17:00Z', [{ name: 'jittered', cron: '0 * * * *', jitterMs: 10 * MIN }], { random: () => 0.5 });
    await h.clock.advanceTo(t('2026-11-24T12:30:00Z'));
    await h.scheduler.stop();
    expect(h.runs.map((r) => r.at)).toEqual(['2026-11-24T11:05:00.000Z', '2026-11-24T12:05:00.000Z']);
  });

  it('retries a failed run with doubling backoff, but not past the next fire time', async () => {
    const h = harness('2026-11-24T10:17:00Z', [{ name: 'flaky', cron: '0 */6 * * *' }], { results: ['failed', 'failed', 'succeeded'], retryBackoffMs: 10 * MIN });
    await h.clock.advanceTo(t('2026-11-24T13:00:00Z'));
    expect(h.runs.map((r) => [r.at, r.trigger, r.attempt])).toEqual([
      ['2026-11-24T12:00:00.000Z', 'schedule', 1],
      ['2026-11-24T12:11:00.000Z', 'retry', 2],
      ['2026-11-24T12:32:00.000Z', 'retry', 3],
    ]);
    await h.scheduler.stop();

    const late = harness('2026-11-24T10:17:00Z', [{ name: 'hourly', cron: '0 * * * *' }], { results: ['failed', 'failed'], retryBackoffMs: 40 * MIN });
    await late.clock.advanceTo(t('2026-11-24T12:10:00Z'));
    await late.scheduler.stop();
    // 11:01 + 40 min = 11:41 < 12:00: one retry; after it, 11:42 + 80 min is past 12:00: the schedule takes over.
    expect(late.runs.map((r) => [r.at, r.trigger])).toEqual([
      ['2026-11-24T11:00:00.000Z', 'schedule'],
      ['2026-11-24T11:41:00.000Z', 'retry'],
      ['2026-11-24T12:00:00.000Z', 'schedule'],
    ]);
  });

  it('runs nothing while not the leader', async () => {
    let leader = false;
    const h = harness('2026-11-24T10:17:00Z', [{ name: 'p', cron: '0 * * * *' }], { isLeader: () => leader });
    await h.clock.advanceTo(t('2026-11-24T12:30:00Z'));
    expect(h.runs).toEqual([]);
    expect(h.events.filter((e) => e.kind === 'not-leader')).toHaveLength(2);
    leader = true;
    await h.clock.advanceTo(t('2026-11-24T13:30:00Z'));
    await h.scheduler.stop();
    expect(h.runs.map((r) => r.at)).toEqual(['2026-11-24T13:00:00.000Z']);
  });
});

describe('the system clock', () => {
  it('sleeps past Node\'s 24.8-day timer limit in chunks, instead of waking at once', async () => {
    const waits: number[] = [];
    const month = 31 * 24 * 3_600_000;
    await sleepInChunks(month, new AbortController().signal, async (ms) => void waits.push(ms));
    expect(waits).toEqual([MAX_TIMER_MS, month - MAX_TIMER_MS]);
    expect(waits.every((ms) => ms <= MAX_TIMER_MS)).toBe(true);
    const stopped = new AbortController();
    const cut: number[] = [];
    await sleepInChunks(3 * MAX_TIMER_MS, stopped.signal, async (ms) => {
      cut.push(ms);
      stopped.abort();
    });
    expect(cut).toEqual([MAX_TIMER_MS]);
  });

  it('a yearly plan does not fire at start, and fires on its day', async () => {
    const start = Date.parse('2026-12-07T04:00:00Z');
    const clock = new FakeClock(start);
    const runs: number[] = [];
    const scheduler = new Scheduler([{ name: 'yearly', cron: '0 3 1 1 *', timeZone: 'UTC', jitterMs: 0 }], {
      clock, isLeader: () => true, run: async () => {
        runs.push(clock.now());
        return 'succeeded';
      },
    });
    scheduler.start();
    await clock.advanceTo(start + 24 * 3_600_000);
    expect(runs).toEqual([]);
    await clock.advanceTo(Date.parse('2027-01-01T03:00:01Z'));
    expect(runs).toEqual([Date.parse('2027-01-01T03:00:00Z')]);
    await scheduler.stop();
  });
});
