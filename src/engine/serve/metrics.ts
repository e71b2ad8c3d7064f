/**
 * What `serve` exports on /metrics (Prometheus text format, prom-client). Per plan: last
 * success, last duration, runs by result, bytes added, RPO and its compliance; per plan and
 * source: last success; per plan and host (a plan run on every Swarm manager): the newest
 * completed snapshot; per repository: size and dedup ratio; and whether this replica leads.
 * Every replica exports every per-plan series: the RPO figures and the last success come from
 * the repository's snapshots, which all replicas read alike; run counts are this replica's.
 * With a history: step, when it last exported, its failures and the commits not pushed yet.
 * With a Lease, every series carries `role` (leader or standby).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { PlanStatus } from '../plan/status.ts';
import type { HistoryRun, RunRecord } from '../plan/run.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';

const RESULTS = ['succeeded', 'partially-failed', 'failed'] as const;

export interface RepositoryFigures {
  readonly storedBytes: number;
  readonly logicalBytes: number;
}

export class ServeMetrics {
  readonly registry = new Registry();
  private readonly lastSuccess: Gauge;
  private readonly sourceLastSuccess: Gauge;
  private readonly hostLastSnapshot: Gauge;
  private readonly lastDuration: Gauge;
  private readonly runs: Counter;
  private readonly bytesAdded: Counter;
  private readonly lastBytesAdded: Gauge;
  private readonly repositorySize: Gauge;
  private readonly dedupRatio: Gauge;
  private readonly repositorySnapshots: Gauge;
  private readonly leader: Gauge;
  private readonly historyLastExport: Gauge;
  private readonly historyUnpushed: Gauge;
  private readonly historyFailures: Counter;
  private statuses: () => readonly PlanStatus[] = () => [];
  /** Newest success per plan, and per plan and source (seconds): from runs and from snapshots, whichever is later. */
  private readonly successAt = new Map<string, number>();

  constructor() {
    const registers = [this.registry];
    this.lastSuccess = new Gauge({ name: 'strata_plan_last_success_timestamp_seconds', help: 'When the last successful run of the plan ended', labelNames: ['plan'], registers });
    this.sourceLastSuccess = new Gauge({ name: 'strata_source_last_success_timestamp_seconds', help: 'When a run last backed this source of the plan up successfully', labelNames: ['plan', 'source'], registers });
    this.hostLastSnapshot = new Gauge({ name: 'strata_plan_host_last_snapshot_timestamp_seconds', help: 'When the newest completed snapshot of the plan taken on this host ended (plans that run on several hosts, such as every Swarm manager)', labelNames: ['plan', 'host'], registers });
    this.lastDuration = new Gauge({ name: 'strata_plan_last_run_duration_seconds', help: 'How long the last run of the plan took', labelNames: ['plan'], registers });
    this.runs = new Counter({ name: 'strata_plan_runs_total', help: 'Runs of the plan by result', labelNames: ['plan', 'result'], registers });
    this.bytesAdded = new Counter({ name: 'strata_plan_bytes_added_total', help: 'Bytes the plan added to its repository (after dedup and compression)', labelNames: ['plan'], registers });
    this.lastBytesAdded = new Gauge({ name: 'strata_plan_last_run_bytes_added', help: 'Bytes the last run added to the repository', labelNames: ['plan'], registers });
    this.repositorySize = new Gauge({ name: 'strata_repository_size_bytes', help: 'Bytes stored in the repository (packs)', labelNames: ['repository'], registers });
    this.dedupRatio = new Gauge({ name: 'strata_repository_dedup_ratio', help: 'Bytes the snapshots hold divided by bytes stored', labelNames: ['repository'], registers });
    this.repositorySnapshots = new Gauge({ name: 'strata_repository_snapshots', help: 'Snapshots in the repository', labelNames: ['repository'], registers });
    this.historyLastExport = new Gauge({ name: 'strata_history_last_export_timestamp_seconds', help: 'When the plan last exported its snapshot into its git history (a commit, or nothing to commit)', labelNames: ['plan'], registers });
    this.historyUnpushed = new Gauge({ name: 'strata_history_unpushed_commits', help: 'History commits not on the remote yet (a failed push is retried on the next run)', labelNames: ['plan'], registers });
    this.historyFailures = new Counter({ name: 'strata_history_failures_total', help: 'History exports or pushes that failed', labelNames: ['plan'], registers });
    this.leader = new Gauge({ name: 'strata_serve_leader', help: '1 while this replica holds the Lease and runs the schedules', registers });
    const statuses = () => this.statuses();
    new Gauge({
      name: 'strata_plan_rpo_seconds', help: 'The RPO the plan declares', labelNames: ['plan'], registers,
      collect() {
        this.reset();
        for (const s of statuses()) if (s.rpoMs !== undefined) this.set({ plan: s.plan }, s.rpoMs / 1000);
      },
    });
    new Gauge({
      name: 'strata_plan_last_good_snapshot_age_seconds', help: 'Age of the newest completed snapshot of the plan', labelNames: ['plan'], registers,
      collect() {
        this.reset();
        for (const s of statuses()) if (s.ageMs !== undefined) this.set({ plan: s.plan }, s.ageMs / 1000);
      },
    });
    new Gauge({
      name: 'strata_plan_rpo_compliant', help: '1 when the plan has a good snapshot within its RPO, 0 when not', labelNames: ['plan'], registers,
      collect() {
        this.reset();
        for (const s of statuses()) if (s.rpoMs !== undefined) this.set({ plan: s.plan }, s.violated ? 0 : 1);
      },
    });
    this.declareDrillGauges();
  }

  /** The drill figures, from the statuses (the last drill of each plan, read from its repository). */
  private declareDrillGauges(): void {
    const registers = [this.registry];
    const drilled = () => this.statuses().filter((s) => s.drill !== undefined).map((s) => ({ plan: s.plan, drill: s.drill! }));
    const perPlan = (name: string, help: string, value: (d: NonNullable<PlanStatus['drill']>) => number | undefined) => new Gauge({
      name, help, labelNames: ['plan'], registers,
      collect() {
        this.reset();
        for (const { plan, drill } of drilled()) {
          const v = value(drill);
          if (v !== undefined) this.set({ plan }, v);
        }
      },
    });
    perPlan('strata_plan_rto_seconds', 'The RTO the plan declares', (d) => (d.targetRtoMs === undefined ? undefined : d.targetRtoMs / 1000));
    perPlan('strata_drill_last_success_timestamp_seconds', 'When the last passed drill of the plan started', (d) => (d.lastPassed === undefined ? undefined : Date.parse(d.lastPassed) / 1000));
    perPlan('strata_drill_last_rto_seconds', 'The RTO the last drill of the plan measured', (d) => (d.lastRtoMs === undefined ? undefined : d.lastRtoMs / 1000));
    perPlan('strata_drill_last_passed', '1 when the last drill of the plan passed, 0 when it failed', (d) => (d.lastResult === undefined ? undefined : d.lastResult === 'passed' ? 1 : 0));
    perPlan('strata_drill_checks_failed', 'Steps and checks that failed in the last drill of the plan', (d) => d.lastFailedSteps);
    perPlan('strata_drill_compliant', '1 when the last drill passed within the RTO and is as recent as the drill schedule asks, 0 when not', (d) => (d.violated ? 0 : 1));
    new Gauge({
      name: 'strata_drill_layer_ready_seconds', help: 'When each layer of the last drill was restored and checked, from the drill\'s start', labelNames: ['plan', 'layer'], registers,
      collect() {
        this.reset();
        for (const { plan, drill } of drilled()) for (const l of drill.lastLayers ?? []) this.set({ plan, layer: l.layer }, l.readyMs / 1000);
      },
    });
  }

  /** Where the RPO figures come from at scrape time (they change as time passes). */
  setStatusSource(source: () => readonly PlanStatus[]): void {
    this.statuses = source;
  }

  /** Every scheduled plan has its run counters from the start, at zero (a standby never runs). */
  declarePlans(plans: readonly string[]): void {
    for (const plan of plans) {
      for (const result of RESULTS) this.runs.inc({ plan, result }, 0);
      this.bytesAdded.inc({ plan }, 0);
    }
  }

  recordRun(run: RunRecord, sources: readonly string[]): void {
    this.runs.inc({ plan: run.plan, result: run.result });
    this.lastDuration.set({ plan: run.plan }, run.durationMs / 1000);
    this.lastBytesAdded.set({ plan: run.plan }, run.bytesAdded);
    this.bytesAdded.inc({ plan: run.plan }, run.bytesAdded);
    if (run.history !== undefined) this.recordHistory(run.plan, run.history, Date.parse(run.finishedAt) / 1000);
    if (run.result !== 'succeeded') return;
    this.succeeded(run.plan, sources, Date.parse(run.finishedAt) / 1000);
  }

  private recordHistory(plan: string, history: HistoryRun, at: number): void {
    if (history.error !== undefined || history.pushError !== undefined) this.historyFailures.inc({ plan });
    // A failed push still exported: the commit is there, only not on the remote yet.
    if (history.error === undefined) this.historyLastExport.set({ plan }, at);
    if (history.unpushed !== undefined) this.historyUnpushed.set({ plan }, history.unpushed);
  }

  /** The newest completed snapshot of each plan counts as its last success on every replica. */
  recordSnapshots(repository: string, snapshots: readonly StoredSnapshot[], sourcesOf: (plan: string) => readonly string[]): void {
    this.repositorySnapshots.set({ repository }, snapshots.length);
    const newest = new Map<string, number>();
    const perHost = new Map<string, { plan: string; host: string; at: number }>();
    for (const s of snapshots) {
      if (s.plan === undefined || s.result !== 'completed') continue;
      const end = (Date.parse(s.time) + s.summary.durationMs) / 1000;
      newest.set(s.plan, Math.max(newest.get(s.plan) ?? 0, end));
      const key = JSON.stringify([s.plan, s.host]);
      if ((perHost.get(key)?.at ?? 0) < end) perHost.set(key, { plan: s.plan, host: s.host, at: end });
    }
    for (const { plan, host, at } of perHost.values()) this.hostLastSnapshot.set({ plan, host }, at);
    for (const [plan, at] of newest) this.succeeded(plan, sourcesOf(plan), at);
  }

  private succeeded(plan: string, sources: readonly string[], at: number): void {
    if ((this.successAt.get(plan) ?? 0) >= at) return;
    this.successAt.set(plan, at);
    this.lastSuccess.set({ plan }, at);
    for (const source of sources) this.sourceLastSuccess.set({ plan, source }, at);
  }

  recordRepository(name: string, figures: RepositoryFigures): void {
    this.repositorySize.set({ repository: name }, figures.storedBytes);
    this.dedupRatio.set({ repository: name }, figures.storedBytes === 0 ? 0 : figures.logicalBytes / figures.storedBytes);
  }

  /** Whether this replica leads; with a Lease (`elected`), every series is labelled with the role. */
  setLeader(leading: boolean, elected: boolean): void {
    this.leader.set(leading ? 1 : 0);
    if (elected) this.registry.setDefaultLabels({ role: leading ? 'leader' : 'standby' });
  }
}
