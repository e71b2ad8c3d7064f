/**
 * What `strata serve` knows, as the dashboard (web/) reads it: the same statuses, snapshots,
 * drills and runs its API and metrics give, plus the retention decisions a plan's next
 * forget would make (the very `forget --dry-run` computation). Pages render it; nothing
 * here renders.
 */
import type { Config } from '../../core/config/schema.ts';
import type { DrillReport } from '../../core/drill/report.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { ForgetGroup } from '../forget.ts';
import type { Hold } from '../../repository/holds.ts';
import type { RunRecord } from '../plan/run.ts';
import type { PlanStatus } from '../plan/status.ts';

export interface RepositoryFigures {
  /** Bytes of packs in the repository (what it costs). */
  readonly storedBytes: number;
  /** Bytes the snapshots hold before dedup and compression. */
  readonly logicalBytes: number;
}

export interface ServeView {
  readonly config: Config;
  /** Plans served, backups or drills. */
  plans(): readonly string[];
  statuses(): Promise<readonly PlanStatus[]>;
  /** Every snapshot of the served repositories, oldest first, with its repository. */
  snapshots(): Promise<readonly (StoredSnapshot & { readonly repository: string })[]>;
  drills(): Promise<readonly DrillReport[]>;
  /** Newest first. */
  runs(plan?: string): readonly RunRecord[];
  repository(name: string): RepositoryFigures | undefined;
  /** When each schedule fires next (plans, and "drill PLAN"), epoch ms. */
  nextRuns(): ReadonlyMap<string, number>;
  /** The plan's retention as its next forget would apply it (dry run); undefined without retention:. */
  retention(plan: string): Promise<readonly ForgetGroup[] | undefined>;
  /** Holds in the plan's repository, by snapshot. */
  holds(repository: string): Promise<ReadonlyMap<string, Hold>>;
  /** What runs now: backups and drills started here, with when they started. */
  running(): readonly Running[];
  readonly actions: ServeActions;
}

export interface Running {
  readonly plan: string;
  readonly kind: 'backup' | 'drill';
  readonly startedAt: string;
  readonly trigger: string;
  /** A backup's latest progress line (source, items, bytes, rate). */
  progress?: string;
}

/** What an operator may do from the dashboard; each is refused (UsageError) for a plan or snapshot not served. */
export interface ServeActions {
  /** Queues a run of the plan now (after what runs on its repository); it shows in runs when done. */
  runNow(plan: string, by: string): void;
  /** Queues a drill of the plan now (one at a time per cluster, never during a restore). */
  drillNow(plan: string, by: string): void;
  hold(repository: string, snapshot: string, reason: string, by: string): Promise<void>;
  /** Whether there was a hold to release. */
  release(repository: string, snapshot: string): Promise<boolean>;
}

export interface PageRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** A POST's form fields (application/x-www-form-urlencoded). */
  readonly form: URLSearchParams;
  /** Whether it came over TLS (cookies are then Secure). */
  readonly secure: boolean;
}

export interface Page {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Answers a request for a page or an action, or undefined when it is none (the API answers). */
export type Pages = (request: PageRequest, view: ServeView) => Promise<Page | undefined>;
