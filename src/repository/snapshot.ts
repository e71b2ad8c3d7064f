/** Snapshot manifests (docs/repository-format.md, "Snapshots"). */
import type { Id } from './hash.ts';

export type SnapshotResult = 'completed' | 'partially-failed' | 'failed';

export interface SnapshotSource {
  readonly type: string;
  readonly paths?: readonly string[];
  /** What the source records about its run (e.g. etcd's revision and member health); its own shape. */
  readonly record?: object;
}

export interface SnapshotSummary {
  readonly files: number;
  readonly dirs: number;
  /** FIFOs and device nodes kept (no content); absent in snapshots written before they were counted. */
  readonly specials?: number;
  readonly bytes: number;
  readonly newBytes: number;
  readonly durationMs: number;
}

export interface Snapshot {
  readonly version: number;
  readonly time: string;
  readonly host: string;
  readonly username: string;
  readonly tags: readonly string[];
  readonly paths: readonly string[];
  readonly parent: Id | null;
  readonly tree: Id;
  readonly sources: readonly SnapshotSource[];
  readonly summary: SnapshotSummary;
  readonly result: SnapshotResult;
  readonly warnings: readonly string[];
  readonly origin: { readonly repository: string; readonly snapshot: Id } | null;
  /** The strata.yaml plan that made it, when a plan did (retention and RPO are per plan). */
  readonly plan?: string;
}

export interface StoredSnapshot extends Snapshot {
  readonly id: Id;
}
