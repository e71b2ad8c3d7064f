/**
 * What an interrupted Strata must finish before it exits. Most work needs nothing: the
 * repository is crash-safe and external programs are stopped with Strata. But some steps
 * change the cluster and must be undone — an in-place restore scales workloads to zero — so
 * they hold the exit until their own unwinding has put things back. The CLI's signal handler
 * stops the running programs (so the unwinding starts), waits a bounded time for the holds
 * to be released, and names whatever is still held with the command that undoes it by hand.
 */

const controller = new AbortController();

/** Aborted when Strata is told to stop (SIGINT, SIGTERM): long waits and running programs end on it. */
export const interruption: AbortSignal = controller.signal;

export function interrupt(reason: Error): void {
  controller.abort(reason);
}

export interface ExitHold {
  /** What is being finished, for the operator: "scaling Deployment shop/web back to 2 replicas". */
  readonly what: string;
  /** The commands that do it by hand, printed when it cannot be finished in time. */
  readonly byHand: readonly string[];
}

const holds = new Set<ExitHold>();
const waiters = new Set<() => void>();

/** Holds the exit of an interrupted Strata until the returned function is called. */
export function holdExit(hold: ExitHold): () => void {
  holds.add(hold);
  return () => {
    holds.delete(hold);
    if (holds.size === 0) for (const wake of waiters) wake();
  };
}

export function exitHolds(): readonly ExitHold[] {
  return [...holds];
}

/** Resolves with the holds still left once all are released or `timeoutMs` has passed. */
export function holdsReleased(timeoutMs: number): Promise<readonly ExitHold[]> {
  if (holds.size === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve([...holds]);
    };
    const timer = setTimeout(done, timeoutMs);
    waiters.add(done);
  });
}
