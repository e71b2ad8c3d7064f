/**
 * Runs plans on their cron schedules. A plan never overlaps itself: its loop waits for the
 * run to finish, and fire times that passed meanwhile are skipped (and counted), not
 * queued. A failed run is retried with doubling backoff, but never past the plan's next
 * fire time: then the schedule takes over. Only the leader runs anything (several `serve`
 * replicas share one Lease); a standby's fire times pass as "not leader".
 */
import { nextFire, parseCron } from '../../core/schedule/cron.ts';
import type { RunResult, RunTrigger } from '../plan/run.ts';
import type { Clock } from './clock.ts';

export interface ScheduledPlan {
  readonly name: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly jitterMs: number;
}

export type SchedulerEvent =
  | { readonly kind: 'fired'; readonly plan: string; readonly at: number }
  | { readonly kind: 'not-leader'; readonly plan: string; readonly at: number }
  | { readonly kind: 'missed'; readonly plan: string; readonly count: number }
  | { readonly kind: 'retry'; readonly plan: string; readonly attempt: number; readonly inMs: number };

export interface SchedulerOptions {
  readonly clock: Clock;
  /** `signal` aborts when the scheduler stops: the run should stop too. */
  readonly run: (plan: string, trigger: RunTrigger, attempt: number, signal: AbortSignal) => Promise<RunResult>;
  readonly isLeader: () => boolean;
  /** Retries after a failed run (0: none). */
  readonly retries?: number;
  readonly retryBackoffMs?: number;
  readonly random?: () => number;
  readonly onEvent?: (event: SchedulerEvent) => void;
}

/** Bounds the count of skipped fire times (a every-second schedule after a day-long run). */
const MAX_COUNTED = 10_000;

export class Scheduler {
  private readonly plans: readonly ScheduledPlan[];
  private readonly options: SchedulerOptions;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly upcoming = new Map<string, number>();

  constructor(plans: readonly ScheduledPlan[], options: SchedulerOptions) {
    this.plans = plans;
    this.options = options;
  }

  start(): void {
    for (const plan of this.plans) this.loops.push(this.loop(plan));
  }

  /** Stops firing, aborts running runs and waits for them to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  /** When each plan fires next (epoch ms, jitter included). */
  nextRuns(): ReadonlyMap<string, number> {
    return this.upcoming;
  }

  private async loop(plan: ScheduledPlan): Promise<void> {
    const { clock } = this.options;
    const signal = this.abort.signal;
    const cron = parseCron(plan.cron, plan.timeZone);
    const random = this.options.random ?? Math.random;
    let after = new Date(clock.now());
    while (!signal.aborted) {
      const fire = nextFire(cron, after);
      if (fire === undefined) return;
      const at = fire.getTime() + Math.floor(random() * plan.jitterMs);
      this.upcoming.set(plan.name, at);
      // Until the fire time, however the sleep ended (a suspended machine, a clock set back).
      for (let naps = 0; clock.now() < at && !signal.aborted && naps < 1000; naps++) await clock.sleep(at - clock.now(), signal);
      if (signal.aborted) return;
      after = fire;
      if (!this.options.isLeader()) {
        this.options.onEvent?.({ kind: 'not-leader', plan: plan.name, at: clock.now() });
        continue;
      }
      this.options.onEvent?.({ kind: 'fired', plan: plan.name, at: clock.now() });
      await this.runWithRetries(plan, cron, signal);
      const now = new Date(clock.now());
      let missed = 0;
      for (let next = nextFire(cron, after); next !== undefined && next <= now && missed < MAX_COUNTED; next = nextFire(cron, next)) missed++;
      if (missed > 0) this.options.onEvent?.({ kind: 'missed', plan: plan.name, count: missed });
      if (now > after) after = now;
    }
  }

  private async runWithRetries(plan: ScheduledPlan, cron: ReturnType<typeof parseCron>, signal: AbortSignal): Promise<void> {
    const { clock } = this.options;
    const retries = this.options.retries ?? 3;
    let backoff = this.options.retryBackoffMs ?? 60_000;
    for (let attempt = 1; attempt <= retries + 1 && !signal.aborted; attempt++) {
      const result = await this.options.run(plan.name, attempt === 1 ? 'schedule' : 'retry', attempt, signal).catch((): RunResult => 'failed');
      if (result !== 'failed' || attempt > retries) return;
      const nextScheduled = nextFire(cron, new Date(clock.now()));
      if (nextScheduled !== undefined && clock.now() + backoff >= nextScheduled.getTime()) return;
      this.options.onEvent?.({ kind: 'retry', plan: plan.name, attempt: attempt + 1, inMs: backoff });
      await clock.sleep(backoff, signal);
      if (!this.options.isLeader()) return;
      backoff *= 2;
    }
  }
}
