/** Time for the scheduler, injectable so tests can drive it without waiting. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/**
 * Node's timers hold at most 2^31-1 ms (24.8 days); a longer delay fires after 1 ms. A yearly
 * or monthly schedule sleeps longer than that, so long sleeps go in chunks.
 */
export const MAX_TIMER_MS = 2_147_483_647;

export async function sleepInChunks(ms: number, signal: AbortSignal, wait: (ms: number) => Promise<void>, chunk = MAX_TIMER_MS): Promise<void> {
  let left = ms;
  while (left > 0 && !signal.aborted) {
    const step = Math.min(left, chunk);
    await wait(step);
    left -= step;
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepInChunks(ms, signal, (step) => sleep(step, undefined, { signal }).catch(() => undefined)),
};
