/**
 * One restore: under a shared lock, each selected source plans its restore from the
 * snapshot (all of them before anything changes, so a mistake in the last one's options
 * stops the run before the first writes), then, unless only the plans are wanted, each
 * applies its plan in the registry's order.
 */
import { UsageError } from '../core/errors.ts';
import { Lock } from '../repository/lock.ts';
import type { Repository } from '../repository/repository.ts';
import type { StoredSnapshot } from '../repository/snapshot.ts';
import { services, sourceFor } from '../sources/registry.ts';
import type { PlannedRestore, RestoreOutcome } from '../sources/source.ts';

/** A source to restore, with the options its restore takes (from the CLI's restore flags). */
export interface RestoreSelection {
  readonly type: string;
  readonly options: unknown;
}

export interface SourceRestore {
  readonly type: string;
  readonly planned: PlannedRestore;
  /** Absent when only the plan was wanted. */
  readonly outcome?: RestoreOutcome;
}

export interface RestoreRunOptions {
  /** Plan only (--dry-run): change nothing. */
  readonly planOnly: boolean;
  readonly onProgress?: (line: string) => void;
}

export async function restore(repository: Repository, snapshot: StoredSnapshot, selections: readonly RestoreSelection[], options: RestoreRunOptions): Promise<SourceRestore[]> {
  const chosen = selections.map((s) => ({ source: sourceFor(s.type, `restore --${s.type}`), options: s.options })).sort((a, b) => a.source.order - b.source.order);
  const lock = await Lock.acquire(repository, 'restore', 'shared');
  let line: ((elapsedMs: number) => string) | undefined;
  const started = Date.now();
  const ticker = options.onProgress === undefined ? undefined : setInterval(() => line !== undefined && options.onProgress?.(line(Date.now() - started)), 250);
  try {
    await repository.loadIndex();
    const context = { repository, snapshot, fileTrees: services.fileTrees, progress: (render: (elapsedMs: number) => string) => void (line = render) };
    const planned: { type: string; planned: PlannedRestore }[] = [];
    for (const { source, options: sourceOptions } of chosen) {
      if (source.restore === undefined) throw new UsageError(`${source.type} cannot be restored by this version of strata`);
      planned.push({ type: source.type, planned: await source.restore(context, sourceOptions) });
    }
    if (options.planOnly) return planned;
    const done: SourceRestore[] = [];
    for (const p of planned) done.push({ ...p, outcome: await p.planned.apply() });
    return done;
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    await lock.release();
  }
}
