/**
 * A backend whose implementation is loaded on first use. The S3 and SFTP clients weigh
 * tens of megabytes of resident memory each; a run against a local repository loads
 * neither, and every run loads at most the one it needs.
 */
import type { Backend, ObjectInfo } from './backend.ts';

export class DeferredBackend implements Backend {
  readonly location: string;
  private readonly ready: Promise<Backend>;
  private loaded: Backend | undefined;

  constructor(location: string, load: () => Promise<Backend>) {
    this.location = location;
    this.ready = load().then((backend) => (this.loaded = backend));
    // A failure surfaces on the first operation, not as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  async save(key: string, data: Uint8Array): Promise<void> {
    return (await this.ready).save(key, data);
  }

  async load(key: string, offset?: number, length?: number): Promise<Uint8Array> {
    return (await this.ready).load(key, offset, length);
  }

  async stat(key: string): Promise<ObjectInfo> {
    return (await this.ready).stat(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    yield* (await this.ready).list(prefix);
  }

  async remove(key: string): Promise<void> {
    return (await this.ready).remove(key);
  }

  /** Errors come from operations, which wait for the backend: by then it is loaded. */
  isNotFound(error: unknown): boolean {
    return this.loaded?.isNotFound(error) ?? false;
  }

  isPermanent(error: unknown): boolean {
    return this.loaded?.isPermanent(error) ?? false;
  }

  hint(error: unknown): string | undefined {
    return this.loaded?.hint?.(error);
  }

  async close(): Promise<void> {
    if (this.loaded === undefined) return;
    await this.loaded.close?.();
  }
}
