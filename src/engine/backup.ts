/**
 * One backup run: lock, let each source find its base, run the sources in order into one
 * blob writer, make the packs and the index durable, and only then write the snapshot;
 * after that, each source's after-commit step (what may only happen once the snapshot is
 * durable). The run knows sources only through their contract.
 */
import { hostname } from 'node:os';
import { userName } from '../repository/user.ts';
import { BlobWriter } from '../repository/blob-writer.ts';
import { FORMAT_VERSION } from '../repository/config.ts';
import type { Id } from '../repository/hash.ts';
import { Lock } from '../repository/lock.ts';
import type { Repository } from '../repository/repository.ts';
import type { Snapshot } from '../repository/snapshot.ts';
import { listSnapshots, saveSnapshot } from '../repository/snapshots.ts';
import { services } from '../sources/registry.ts';
import type { SourceBackup } from '../sources/source.ts';
import type { PreparedRun } from './sources.ts';

export interface BackupOptions {
  /** The sources to run, in order (engine/sources.ts prepares them from entries). */
  readonly sources: readonly PreparedRun[];
  readonly tags: readonly string[];
  /** The plan this run belongs to, recorded in the snapshot. */
  readonly plan?: string;
  readonly host?: string;
  /** The time to record instead of now (imports of existing backup sets, tests), as restic's --time. */
  readonly time?: Date;
  /** A snapshot ID to compare against instead of each source's own choice of base. */
  readonly parent?: Id;
  /** Warnings found while preparing the sources, recorded with the run's own. */
  readonly warnings?: readonly string[];
  readonly signal?: AbortSignal;
  /** Called once every point-in-time capture is taken, before data is read (afterSnapshot hooks). */
  readonly afterCapture?: () => Promise<void>;
  /** The progress of the source running now, as one terminal line, about four times a second. */
  readonly onProgress?: (line: string) => void;
}

export interface BackupOutcome {
  /** Absent when every source was left to another host's run: no snapshot was written. */
  readonly id?: Id;
  readonly snapshot?: Snapshot;
  /** One line per source left to another host's run (who covers it). */
  readonly leftToOthers: readonly string[];
}

export async function backup(repository: Repository, options: BackupOptions): Promise<BackupOutcome> {
  const host = options.host ?? hostname();
  const started = Date.now();
  const lock = await Lock.acquire(repository, 'backup', 'shared');
  try {
    await repository.loadIndex();
    const writer = new BlobWriter(repository);
    const done: SourceBackup[] = [];
    const ran: PreparedRun[] = [];
    const leftToOthers: string[] = [];
    let line: ((elapsedMs: number) => string) | undefined;
    const report = (): void => {
      if (line !== undefined) options.onProgress?.(line(Date.now() - started));
    };
    const ticker = options.onProgress === undefined ? undefined : setInterval(report, 250);
    try {
      const snapshots = (await listSnapshots(repository)).snapshots;
      for (const prepared of options.sources) {
        const { run } = prepared;
        const base = await run.base?.({ repository, snapshots, host, ...(options.parent !== undefined && { parent: options.parent }) });
        const result = await run.backup({
          repository, writer, base, fileTrees: services.fileTrees,
          progress: (render) => void (line = render),
          ...(options.time !== undefined && { time: options.time }),
          ...(options.signal !== undefined && { signal: options.signal }),
          ...(options.afterCapture !== undefined && { afterCapture: options.afterCapture }),
        });
        if ('leftTo' in result) leftToOthers.push(result.leftTo);
        else {
          done.push(result);
          ran.push(prepared);
        }
      }
    } finally {
      if (ticker !== undefined) clearInterval(ticker);
    }
    report();
    if (done.length === 0) return { leftToOthers };
    const tree = await writer.saveTree(done.map((d) => d.node));
    await writer.flush();
    const sum = (key: 'files' | 'dirs' | 'specials' | 'bytes') => done.reduce((total, d) => total + (d.summary[key] ?? 0), 0);
    const warnings = [...(options.warnings ?? []), ...done.flatMap((d) => d.warnings)];
    const snapshot: Snapshot = {
      version: FORMAT_VERSION,
      time: (options.time ?? new Date(started)).toISOString(),
      host,
      username: userName(),
      tags: [...options.tags],
      paths: done.flatMap((d) => d.paths ?? []),
      parent: done.find((d) => d.parent !== undefined)?.parent ?? null,
      tree,
      sources: done.map((d) => d.source),
      summary: { files: sum('files'), dirs: sum('dirs'), specials: sum('specials'), bytes: sum('bytes'), newBytes: writer.stats.bytesAdded, durationMs: Date.now() - started },
      result: done.some((d) => d.failed) ? 'partially-failed' : 'completed',
      warnings,
      origin: null,
      ...(options.plan !== undefined && { plan: options.plan }),
    };
    await lock.refresh();
    const id = await saveSnapshot(repository, snapshot);
    for (const [i, { run }] of ran.entries()) {
      if (run.afterCommit !== undefined) warnings.push(...(await run.afterCommit(done[i]!)));
    }
    return { id, snapshot, leftToOthers };
  } finally {
    await lock.release();
  }
}
