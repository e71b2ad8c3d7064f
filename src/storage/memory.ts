/** An in-memory backend for unit tests; it passes the same conformance suite as the others. */
import type { Backend, ObjectInfo } from './backend.ts';

export class NotFound extends Error {
  readonly code = 'ENOENT';
}

export class MemoryBackend implements Backend {
  readonly location = 'memory:';
  readonly objects = new Map<string, Uint8Array>();

  save(key: string, data: Uint8Array): Promise<void> {
    this.objects.set(key, Uint8Array.from(data));
    return Promise.resolve();
  }

  load(key: string, offset = 0, length?: number): Promise<Uint8Array> {
    const data = this.objects.get(key);
    if (data === undefined) return Promise.reject(new NotFound(`${key}: no such object`));
    const end = length === undefined ? data.length : offset + length;
    if (offset < 0 || end > data.length) return Promise.reject(new RangeError(`${key}: range ${offset}+${end - offset} is beyond its ${data.length} bytes`));
    return Promise.resolve(Buffer.from(data.subarray(offset, end)));
  }

  stat(key: string): Promise<ObjectInfo> {
    const data = this.objects.get(key);
    return data === undefined ? Promise.reject(new NotFound(`${key}: no such object`)) : Promise.resolve({ key, size: data.length });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for (const [key, data] of [...this.objects]) if (key.startsWith(prefix)) yield await Promise.resolve({ key, size: data.length });
  }

  remove(key: string): Promise<void> {
    return this.objects.delete(key) ? Promise.resolve() : Promise.reject(new NotFound(`${key}: no such object`));
  }

  isNotFound(error: unknown): boolean {
    return error instanceof NotFound;
  }

  isPermanent(error: unknown): boolean {
    return error instanceof NotFound || error instanceof RangeError;
  }
}
