/**
 * The contract every source implements (DESIGN.md, "Sources are plug-ins"). A source says
 * what its plan entry looks like, how an entry becomes a run (resolving connections and
 * naming the field of anything wrong), what an incremental run builds on, how it backs up
 * into its own directory of the snapshot's root tree with a record, what may only happen
 * once the snapshot is durable, how its record reads in `backup`, `show` and `snapshots`,
 * and how it is restored (planned, then applied). The engine runs whichever sources a backup names, in their declared order, and
 * never branches on a source's type. docs/sources.md walks through one source.
 */
import type { z } from 'zod';
import type { DrillConfig } from '../core/config/drill.ts';
import type { ClusterConfig } from '../core/config/schema.ts';
import type { DrillStep } from '../core/drill/report.ts';
import type { InPlaceTarget } from '../core/drill/workload.ts';
import type { KubeHttp } from '../kube/http.ts';
import type { BlobWriter } from '../repository/blob-writer.ts';
import type { Id } from '../repository/hash.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotSource, SnapshotSummary, StoredSnapshot } from '../repository/snapshot.ts';
import type { TreeNode } from '../repository/tree.ts';
import type { RestoreResult } from './files/restore.ts';

/** How `strata config check` checks a file an entry names: there and readable, a secret (0600 or stricter), or a path that is backed up. */
export type NamedFileKind = 'readable' | 'secret' | 'certificate' | 'private-key' | 'backed-up path';

/** A plan entry (`plans.NAME.sources[i]`) or the same entry made from CLI flags. */
export interface SourceEntry {
  readonly type: string;
}

/** What an entry is resolved against: the cluster it belongs to and where this process runs. */
export interface SourceSettings {
  /** The plan's cluster, or the one the CLI flags describe. */
  readonly cluster: ClusterConfig | undefined;
  /** Where the node's root file system is (e.g. /host in a pod). */
  readonly hostRoot: string;
  /** This node's name, for sources that leave other nodes' data to the agents there. */
  readonly node?: string;
  /** The plan being run (runs of one plan on several hosts may share the work); none from the CLI. */
  readonly plan?: string;
  /**
   * The name to put in front of an error about the entry, or about one of its keys:
   * `plans.nightly.sources[2].paths` from a plan, `--files` from the CLI.
   */
  field(key?: string): string;
  /** The cluster's API, opened on first use and shared by the run's sources; the engine closes it. */
  kube(): Promise<KubeHttp>;
  /** A problem that does not stop the run (a control-plane file the manifest names but that is missing). */
  warn(message: string): void;
}

/** What an incremental run of a source may build on, found in the repository's snapshots. */
export interface BaseContext {
  readonly repository: Repository;
  /** Every snapshot of the repository, oldest first. */
  readonly snapshots: readonly StoredSnapshot[];
  /** The host the new snapshot is recorded for. */
  readonly host: string;
  /** A snapshot named by --parent (a unique ID prefix), instead of the source's own choice. */
  readonly parent?: Id;
}

/**
 * Node directories read as files: the `files` source's walker and restorer, lent by the
 * registry to sources that hold file trees (volumes read from node directories) so that no
 * source imports another.
 */
export interface FileTrees {
  /** Stores the directory `dir` as a node named `name`; files unchanged since `parentTree` are not read. */
  backupDirectory(repository: Repository, writer: BlobWriter, dir: string, name: string, parentTree: Id | undefined, signal?: AbortSignal): Promise<DirectoryBackup>;
  /** Writes the tree `tree` into the directory `dir` (created), keeping what `include` selects. */
  restoreTree(repository: Repository, tree: Id, dir: string, include: readonly string[]): Promise<RestoreResult>;
  /** Reads `dir` back against the tree: sizes and chunk hashes; `problem` says what differs. */
  verifyTree(repository: Repository, tree: Id, dir: string): Promise<{ readonly files: number; readonly bytes: number; readonly problem?: string }>;
}

export interface DirectoryBackup {
  readonly node: TreeNode;
  readonly files: number;
  readonly dirs: number;
  readonly bytes: number;
  readonly warnings: readonly string[];
  readonly failed: boolean;
}

export interface BackupContext<Base> {
  readonly repository: Repository;
  /** Every blob goes through this writer; the engine flushes it before the snapshot is written. */
  readonly writer: BlobWriter;
  readonly base: Base;
  /** The snapshot's recorded time (imports of older backup sets), now when unset. */
  readonly time?: Date;
  readonly signal?: AbortSignal;
  readonly fileTrees: FileTrees;
  /** Called once every point-in-time capture is taken, before data is read (a plan's afterSnapshot hooks). */
  readonly afterCapture?: () => Promise<void>;
  /** Registers how the run's progress reads now (one terminal line); the engine draws it. */
  progress(line: (elapsedMs: number) => string): void;
}

/** What one source's backup adds to the snapshot. */
export interface SourceBackup {
  /** The source's directory in the snapshot's root tree, named after the source. */
  readonly node: TreeNode;
  /** The manifest's entry for this source. */
  readonly source: SnapshotSource;
  readonly warnings: readonly string[];
  /** Some item could not be read: the snapshot is partially failed (the warnings name the items). */
  readonly failed: boolean;
  readonly summary: Omit<SnapshotSummary, 'newBytes' | 'durationMs'>;
  /** The snapshot this run compared against, recorded as the snapshot's parent. */
  readonly parent?: Id;
  /** Local paths it read, recorded as the snapshot's paths (what `forget` groups by, as restic does). */
  readonly paths?: readonly string[];
}

/** A source's entry resolved into something that can run. */
/** A source that another host's run of the same plan covers this time: nothing is stored, and the line says who. */
export interface SourceLeftToOther {
  readonly leftTo: string;
}

export interface SourceRun<Base = unknown> {
  /** What this run builds on (etcd values of the cluster's last snapshot, RBD blocks, file trees); none when absent. */
  base?(context: BaseContext): Promise<Base>;
  backup(context: BackupContext<Base | undefined>): Promise<SourceBackup | SourceLeftToOther>;
  /** What may only happen once the snapshot is durable (Ceph snapshot pruning); returns warnings. */
  afterCommit?(backup: SourceBackup): Promise<readonly string[]>;
}

/** How a stored source reads for people and for metrics. */
export interface SourceDescription {
  /** One line for `strata backup`'s summary and `show`'s sources block (empty: nothing to say). */
  readonly headline: string;
  /** More lines for `show`, each with its label (type, left out, DIRTY; '' continues the line above). */
  readonly details: readonly (readonly [label: string, text: string])[];
  /** Short labels for `strata snapshots` (etcd@REVISION, objects:N, volumes:N). */
  readonly labels: readonly string[];
}

/** How two stored records of one source differ (`strata diff ID --against ID2`). */
export interface SourceDiff {
  /** One line each, for people (`+ team/web:1.1 sha256:…`). */
  readonly lines: readonly string[];
  readonly json: unknown;
  readonly differs: boolean;
}

export interface RestoreContext {
  readonly repository: Repository;
  /** The snapshot restored from; the engine holds a shared lock and has loaded the index. */
  readonly snapshot: StoredSnapshot;
  readonly fileTrees: FileTrees;
  /** Registers how the restore's progress reads now (one terminal line); the engine draws it. */
  progress(line: (elapsedMs: number) => string): void;
}

/**
 * A restore of one source, planned and not yet done: `--dry-run` prints the plan and stops;
 * otherwise it is applied. Planning reads the snapshot and the target and changes nothing.
 */
export interface PlannedRestore {
  /** The plan as `--dry-run` prints it. */
  readonly text: string;
  /** The plan as `--dry-run --json` prints it. */
  readonly json: unknown;
  apply(): Promise<RestoreOutcome>;
}

export interface RestoreOutcome {
  /** What was done, one line each (stdout). */
  readonly lines: readonly string[];
  readonly json: unknown;
  readonly warnings: readonly string[];
  /** Items that could not be restored (stderr, `error:`). */
  readonly errors: readonly string[];
  /** Set when some item was not restored: the restore ends partially failed (exit 3). */
  readonly failure?: { readonly message: string; readonly hint: string };
}

/**
 * A drill's scratch: everything a drill creates is marked as its own, so that the drill
 * removes it afterwards — or the plan's next drill does, after a crash or a kill — and
 * nothing else is ever touched (docs/drills.md).
 */
export interface DrillScratch {
  readonly id: string;
  /** Labels every API object the drill creates carries. */
  readonly labels: Readonly<Record<string, string>>;
  /** A new empty directory (0700) of this drill, under the plan's work directory. */
  directory(name: string): Promise<string>;
  /** A process the drill started, whose command line names `directory`: stopped by PID at clean-up. */
  process(pid: number, directory: string): Promise<void>;
  /**
   * Creates the scratch namespace `name`, labelled as this drill's. Refused when a namespace
   * of that name exists that no drill of this plan made.
   */
  namespace(http: KubeHttp, name: string): Promise<void>;
  /**
   * Something only its source can remove (an RBD image), removed at clean-up with the rest
   * unless --keep. Its name must carry the drill's mark, so that the plan's next drill finds
   * it after a crash: the source removes those leftovers itself.
   */
  made(what: string, remove: () => Promise<void>): void;
}

export interface DrillContext extends RestoreContext {
  readonly plan: string;
  /** The plan's entry of the source drilled (its connection settings), when the plan has one. */
  readonly entry?: SourceEntry;
  /** The plan's `drill:` (defaults when it has none). */
  readonly settings: DrillConfig;
  /** How long restored things may take to become ready. */
  readonly timeoutMs: number;
  readonly scratch: DrillScratch;
  /** The plan's cluster, opened on first use; the engine closes it. */
  kube(): Promise<KubeHttp>;
  readonly signal: AbortSignal;
}

/** What a source's drill found: its steps, each passed or failed (any failed step fails the layer). */
export interface DrillOutcome {
  readonly detail: string;
  readonly steps: readonly DrillStep[];
  /** Nothing of this layer was drilled, and why (the layer reads "not drilled"). */
  readonly notDrilled?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds sources of every entry type
export interface Source<Entry extends SourceEntry = any, Base = any, RestoreOptions = any> {
  readonly type: Entry['type'];
  /** Runs go in this order (etcd first, so the objects read after it are no older). */
  readonly order: number;
  /** The plan entry's schema; the config schema is assembled from every source's. */
  readonly entry: z.ZodType<Entry> & z.ZodObject;
  /** The schema of its entry in the snapshot manifest; the conformance suite checks every backup against it. */
  readonly manifest: z.ZodType;
  /** Files the entry names on this machine, for `strata config check` to open: [field, path, how to check it]. */
  namedFiles?(entry: Entry, field: string): readonly (readonly [string, string, NamedFileKind])[];
  /**
   * Two entries of this type in one run, as one (a plan's files preset beside its paths).
   * Without it a run takes one entry of the type and refuses a second.
   */
  merge?(first: Entry, second: Entry): Entry;
  prepare(entry: Entry, settings: SourceSettings): Promise<SourceRun<Base>>;
  describe(source: SnapshotSource): SourceDescription;
  /** What changed between two snapshots' records of this source (objects compare their stored trees instead). */
  diff?(before: SnapshotSource, after: SnapshotSource): SourceDiff;
  /**
   * The `strata restore` flags that select this source for snapshot `id` (what the dashboard
   * offers to copy); without it, `--TYPE`.
   */
  restoreFlags?(id: string): string;
  /** Plans a restore of what the snapshot holds of this source (options come from the CLI's restore flags). */
  restore?(context: RestoreContext, options: RestoreOptions): Promise<PlannedRestore>;
  /**
   * Restores the snapshot's record of this source into scratch targets and checks the copy
   * (`strata drill`); everything it makes goes through `context.scratch`.
   */
  drill?(context: DrillContext): Promise<DrillOutcome>;
  /**
   * The chaos day (`strata drill --in-place`): deletes the workload where it runs (with
   * --with-data its claims too), restores it from the snapshot in its own namespace and
   * waits until it serves again.
   */
  drillInPlace?(context: DrillContext, target: InPlaceTarget): Promise<DrillOutcome>;
  /**
   * The claims ("NS/NAME") whose data the source's record holds: a chaos day --with-data
   * deletes no claim outside them, since nothing could bring its data back.
   */
  claimData?(source: SnapshotSource): readonly string[];
  /**
   * Things outside the repository that live as long as the snapshots recording them (CSI
   * VolumeSnapshots): what forgetting these snapshots leaves behind, and its release.
   */
  readonly outside?: OutsideData;
}

export interface OutsideData {
  /** What the snapshots hold outside the repository, by name ("VolumeSnapshot shop/strata-data-…"). */
  held(snapshots: readonly StoredSnapshot[]): readonly string[];
  /** Deletes what forgotten snapshots held in this cluster; what belongs to another cluster is left and said. */
  release(kube: KubeHttp, forgotten: readonly StoredSnapshot[]): Promise<{ readonly released: readonly string[]; readonly warnings: readonly string[] }>;
}
