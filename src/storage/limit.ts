/** Bounds how many storage operations run at once, whatever the callers above do. */
import { collect, type Backend, type ObjectInfo } from './backend.ts';

export class Semaphore {
  private available: number;
  /** Waiters in arrival order; `head` moves instead of shift(), which is O(n) per call. */
  private waiting: (() => void)[] = [];
  private head = 0;

  constructor(count: number) {
    this.available = count;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      next();
    } else this.available++;
  }
}

export class LimitedBackend implements Backend {
  readonly location: string;
  private readonly inner: Backend;
  private readonly slots: Semaphore;

  constructor(inner: Backend, connections: number) {
    this.inner = inner;
    this.location = inner.location;
    this.slots = new Semaphore(connections);
  }

  save(key: string, data: Uint8Array): Promise<void> {
    return this.slots.run(() => this.inner.save(key, data));
  }

  load(key: string, offset?: number, length?: number): Promise<Uint8Array> {
    return this.slots.run(() => this.inner.load(key, offset, length));
  }

  stat(key: string): Promise<ObjectInfo> {
    return this.slots.run(() => this.inner.stat(key));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const all = await this.slots.run(() => collect(this.inner.list(prefix)));
    yield* all;
  }

  remove(key: string): Promise<void> {
    return this.slots.run(() => this.inner.remove(key));
  }

  isNotFound(error: unknown): boolean {
    return this.inner.isNotFound(error);
  }

  isPermanent(error: unknown): boolean {
    return this.inner.isPermanent(error);
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
