/** What a snapshot's manifest records about an etcd snapshot (docs/repository-format.md, "Sources"). */
import type { ConsistencyCheck } from './consistency.ts';

/**
 * The files of the `etcd` directory of a snapshot's root tree: the database split into a
 * map, whole pages, value chunks and their tables (docs/repository-format.md).
 */
export const DATABASE_FILES = { map: 'snapshot.map', pages: 'snapshot.pages', values: 'snapshot.values', tables: 'snapshot.tables' } as const;

/** How the database's values are stored: what a next snapshot decides its base by. */
export interface DatabaseStorage {
  /** Distinct values the map refers to, and their bytes. */
  readonly values: number;
  readonly valueBytes: number;
  /** Bytes of all value chunks listed (values no longer referred to included). */
  readonly chunkBytes: number;
  /** Bytes of values stored by this snapshot. */
  readonly newValueBytes: number;
  /** Whether values of an earlier snapshot were referred to. */
  readonly incremental: boolean;
}

export interface EtcdSnapshotRecord {
  readonly member: { readonly id: string; readonly name: string; readonly endpoint: string; readonly version: string };
  readonly clusterId: string;
  /** The database's newest revision: what a restore starts from. */
  readonly revision: number;
  /** Live keys, as `etcdutl snapshot status` counts them. */
  readonly totalKeys: number;
  /** Database bytes, without the 32-byte trailer. */
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  /** SHA-256 of the database, as the trailer carries it. */
  readonly sha256: string;
  readonly raftAppliedIndex: number;
  readonly members: readonly {
    readonly id: string;
    readonly name: string;
    readonly peerUrls: readonly string[];
    readonly clientUrls: readonly string[];
    readonly isLearner: boolean;
    readonly problems: readonly string[];
  }[];
  readonly quorum: { readonly voting: number; readonly healthy: number; readonly needed: number; readonly hasQuorum: boolean };
  readonly alarms: readonly { readonly memberId: string; readonly alarm: string }[];
  readonly consistency: ConsistencyCheck | null;
  /** Absent in snapshots stored before values were split out. */
  readonly storage?: DatabaseStorage;
  /** Taken with --force although the cluster was not safe; the reasons say why. */
  readonly dirty: boolean;
  readonly dirtyReasons: readonly string[];
}

/** The etcd record of a stored snapshot, if it has one. */
export function etcdRecord(sources: readonly { readonly type: string; readonly record?: object }[]): EtcdSnapshotRecord | undefined {
  const source = sources.find((s) => s.type === 'etcd');
  return source?.record as EtcdSnapshotRecord | undefined;
}
