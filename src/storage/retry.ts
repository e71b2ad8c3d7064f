/**
 * Retries transient storage errors with exponential backoff, bounded in attempts and in
 * time. The backend below decides what is permanent; those fail at once.
 */
import { StorageError } from './errors.ts';
import { collect, type Backend, type ObjectInfo } from './backend.ts';

export interface RetryPolicy {
  readonly attempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up once this much time has passed since the first attempt. */
  readonly deadlineMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, firstDelayMs: 250, maxDelayMs: 8_000, deadlineMs: 60_000 };

export class RetryingBackend implements Backend {
  readonly location: string;
  private readonly inner: Backend;
  private readonly policy: RetryPolicy;
  private readonly onRetry: ((operation: string, error: unknown, attempt: number) => void) | undefined;

  constructor(inner: Backend, policy: RetryPolicy = DEFAULT_RETRY, onRetry?: (operation: string, error: unknown, attempt: number) => void) {
    this.inner = inner;
    this.location = inner.location;
    this.policy = policy;
    this.onRetry = onRetry;
  }

  save(key: string, data: Uint8Array): Promise<void> {
    return this.retry(`save ${key}`, () => this.inner.save(key, data));
  }

  load(key: string, offset?: number, length?: number): Promise<Uint8Array> {
    return this.retry(`load ${key}`, () => this.inner.load(key, offset, length));
  }

  stat(key: string): Promise<ObjectInfo> {
    return this.retry(`stat ${key}`, () => this.inner.stat(key));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // A listing is collected whole before it is handed out, so a retry never repeats keys.
    const all = await this.retry(`list ${prefix}`, () => collect(this.inner.list(prefix)));
    yield* all;
  }

  remove(key: string): Promise<void> {
    return this.retry(`remove ${key}`, () => this.inner.remove(key));
  }

  isNotFound(error: unknown): boolean {
    return this.inner.isNotFound(error instanceof StorageError ? error.cause : error);
  }

  isPermanent(error: unknown): boolean {
    return error instanceof StorageError || this.inner.isPermanent(error);
  }

  private async retry<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let delay = this.policy.firstDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const outOfTime = Date.now() - started + delay > this.policy.deadlineMs;
        if (this.inner.isPermanent(error)) {
          const hint = this.inner.hint?.(error);
          throw new StorageError(`${this.location}: ${operation}: ${(error as Error).message}`, { cause: error, ...(hint !== undefined && { hint }) });
        }
        if (attempt >= this.policy.attempts || outOfTime) {
          throw new StorageError(`${this.location}: ${operation} failed ${attempt} times: ${(error as Error).message}`, {
            cause: error,
            hint: 'check that the storage is reachable and its credentials are valid; strata retries transient errors',
          });
        }
        this.onRetry?.(operation, error, attempt);
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
        delay = Math.min(delay * 2, this.policy.maxDelayMs);
      }
    }
  }
}
