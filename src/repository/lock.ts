/**
 * Repository locks (docs/repository-format.md, "Locks"): shared for backup, copy and
 * restore; maintenance for forget and prune (they exclude each other, not backups: prune
 * waits for the runs it overlaps instead); exclusive for key changes. Stale locks, from
 * processes that died, are told apart by age and, on the same host, by PID.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { userName } from './user.ts';
import { RepositoryLocked } from './errors.ts';
import type { Id } from './hash.ts';
import type { Repository } from './repository.ts';

export interface LockRecord {
  readonly version: number;
  readonly exclusive: boolean;
  readonly time: string;
  readonly host: string;
  readonly pid: number;
  readonly username: string;
  readonly operation: string;
  /** Forget and prune: one at a time, alongside shared locks. */
  readonly maintenance?: boolean;
  /** The same for every refresh of one holder's lock, so a waiter can follow it. */
  readonly session?: string;
}

export type LockMode = 'shared' | 'maintenance' | 'exclusive';

/** Whether a lock in `mode` may be taken while `held` is live. */
export function lockConflicts(mode: LockMode, held: LockRecord): boolean {
  if (mode === 'exclusive' || held.exclusive) return true;
  return mode === 'maintenance' && held.maintenance === true;
}

export interface StoredLock extends LockRecord {
  readonly id: Id;
  readonly stale: boolean;
  /** Set when the lock object cannot be read. */
  readonly damaged?: string;
}

export const LOCK_REFRESH_MS = 5 * 60_000;
export const LOCK_STALE_MS = 30 * 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(lock: LockRecord, now: number, thisHost = hostname()): boolean {
  if (now - Date.parse(lock.time) > LOCK_STALE_MS) return true;
  return lock.host === thisHost && !processAlive(lock.pid);
}

export async function listLocks(repository: Repository): Promise<StoredLock[]> {
  const locks: StoredLock[] = [];
  for await (const object of repository.backend.list('locks/')) {
    const id = object.key.slice('locks/'.length);
    try {
      const record = repository.unsealMetadata('lock', await repository.backend.load(object.key)) as LockRecord;
      locks.push({ ...record, id, stale: isStale(record, Date.now()) });
    } catch (error) {
      if (repository.backend.isNotFound(error)) continue; // released while we listed
      locks.push({ version: 1, exclusive: false, time: new Date(0).toISOString(), host: '?', pid: 0, username: '?', operation: '?', id, stale: true, damaged: (error as Error).message });
    }
  }
  return locks;
}

export class Lock {
  private readonly repository: Repository;
  private readonly record: Omit<LockRecord, 'time'>;
  private id: Id;
  private readonly timer: NodeJS.Timeout;

  private constructor(repository: Repository, record: Omit<LockRecord, 'time'>, id: Id) {
    this.repository = repository;
    this.record = record;
    this.id = id;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), LOCK_REFRESH_MS);
    this.timer.unref();
  }

  static async acquire(repository: Repository, operation: string, mode: LockMode): Promise<Lock> {
    const record = {
      version: 1,
      exclusive: mode === 'exclusive',
      ...(mode === 'maintenance' && { maintenance: true }),
      host: hostname(),
      pid: process.pid,
      username: userName(),
      operation,
      session: randomBytes(8).toString('hex'),
    };
    const conflict = (locks: StoredLock[], own?: Id) => locks.find((lock) => lock.id !== own && !lock.stale && lockConflicts(mode, lock));
    const before = conflict(await listLocks(repository));
    if (before !== undefined) throw lockedBy(repository, before);
    const id = await repository.saveMetadata('locks', 'lock', { ...record, time: new Date().toISOString() });
    // Two processes may both have seen no conflict; both see each other now, and both back off.
    const after = conflict(await listLocks(repository), id);
    if (after !== undefined) {
      await repository.backend.remove(`locks/${id}`).catch(() => undefined);
      throw lockedBy(repository, after);
    }
    return new Lock(repository, record, id);
  }

  get session(): string {
    return this.record.session!;
  }

  async refresh(): Promise<void> {
    const old = this.id;
    this.id = await this.repository.saveMetadata('locks', 'lock', { ...this.record, time: new Date().toISOString() });
    await this.repository.backend.remove(`locks/${old}`).catch(() => undefined);
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.repository.backend.remove(`locks/${this.id}`).catch(() => undefined);
  }
}

function lockedBy(repository: Repository, lock: StoredLock): RepositoryLocked {
  return new RepositoryLocked(
    `repository ${repository.backend.location} is locked ${lock.exclusive ? 'exclusively ' : ''}by ${lock.operation} (pid ${lock.pid} on ${lock.host}, since ${lock.time})`,
    { hint: 'wait for it to finish; if that process is gone, `strata unlock` removes stale locks' },
  );
}
