/** What the `objects` source records in the snapshot manifest. */
import { UsageError } from '../../core/errors.ts';
import type { SnapshotSource, StoredSnapshot } from '../../repository/snapshot.ts';
import type { TypeRecord } from './layout.ts';

export interface SkipRecord {
  /** "events", "pods" … */
  readonly type: string;
  readonly reason: string;
  /** Objects skipped for this reason; absent when the whole type was not listed. */
  readonly count?: number;
  /** A few of them ("namespace/name"), to show what the reason covers. */
  readonly examples?: readonly string[];
}

export interface FailureRecord {
  /** A type ("deployments.apps") or a group version that discovery could not read. */
  readonly type: string;
  /** Namespaces where listing failed; absent when it failed cluster-wide. */
  readonly namespaces?: readonly string[];
  readonly error: string;
}

export interface ObjectsRecord {
  readonly server: string;
  /** The kube-system namespace's uid: the usual identity of a cluster. */
  readonly clusterId?: string;
  readonly labelSelector?: string;
  readonly objects: number;
  readonly types: readonly TypeRecord[];
  readonly skipped: readonly SkipRecord[];
  readonly failures: readonly FailureRecord[];
}

export function objectsRecord(sources: readonly SnapshotSource[]): ObjectsRecord | undefined {
  return sources.find((s) => s.type === 'objects')?.record as ObjectsRecord | undefined;
}

/** The record of a snapshot that must hold API objects (restore, diff). */
export function requireObjectsRecord(snapshot: StoredSnapshot): ObjectsRecord {
  const record = objectsRecord(snapshot.sources);
  if (record === undefined) {
    throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds no API objects`, { hint: 'pick a snapshot taken with `strata backup --objects` (`strata snapshots` marks them objects:N)' });
  }
  return record;
}
