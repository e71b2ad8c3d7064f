/**
 * A storage backend keeps bytes by key and nothing else (restic's model): the repository
 * layer decides what the bytes mean. Retry, concurrency limits and logging are wrappers
 * that implement this same interface. Each backend decides itself which of its errors mean
 * "not found" and which are permanent.
 */

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

export interface Backend {
  /** A description without credentials, for messages: "/var/backups/strata", "s3://bucket/prefix". */
  readonly location: string;
  /** Stores `data` under `key` durably; when it returns, a crash cannot lose or tear the object. */
  save(key: string, data: Uint8Array): Promise<void>;
  /** Reads `length` bytes from `offset` (the whole object by default). */
  load(key: string, offset?: number, length?: number): Promise<Uint8Array>;
  stat(key: string): Promise<ObjectInfo>;
  /** Every key under `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  remove(key: string): Promise<void>;
  isNotFound(error: unknown): boolean;
  isPermanent(error: unknown): boolean;
  /** What the operator can do about a permanent error of this backend, when it knows. */
  hint?(error: unknown): string | undefined;
  /** Releases connections; the backend is not used afterwards. */
  close?(): Promise<void>;
}

/** A whole listing, so that a retry or a slot is never held across the caller's work. */
export async function collect(list: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const found: ObjectInfo[] = [];
  for await (const info of list) found.push(info);
  return found;
}
