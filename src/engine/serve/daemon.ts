/**
 * `strata serve`: the plans on their schedules, with HTTP for Prometheus and people.
 * Runs that share a repository go one at a time (their forget and prune would contend for
 * the maintenance lock); a plan never overlaps itself (the scheduler). With a Lease, only
 * the replica that holds it runs anything; the others keep serving their HTTP endpoints.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../core/config/schema.ts';
import { Duration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { LeaseElector } from '../../kube/lease.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { listSnapshots } from '../../repository/snapshots.ts';
import { collect } from '../../storage/backend.ts';
import { runPlan, type RunResult, type RunTrigger } from '../plan/run.ts';
import { runDrill } from '../drill/run.ts';
import type { DrillReport } from '../../core/drill/report.ts';
import { listDrillReports } from '../../repository/drills.ts';
import { listLocks } from '../../repository/lock.ts';
import { checkRunnable } from '../plan/sources.ts';
import { statusOf, type PlanStatus } from '../plan/status.ts';
import { configuredRepository } from '../repository/choose.ts';
import { openRepository } from '../repository/open.ts';
import { systemClock, type Clock } from '../schedule/clock.ts';
import { Scheduler, type ScheduledPlan, type SchedulerEvent } from '../schedule/scheduler.ts';
import { keepPolicy } from '../../core/config/keep.ts';
import { forget } from '../forget.ts';
import { RunHistory } from './history.ts';
import { ServeMetrics } from './metrics.ts';
import { listHolds, placeHold, releaseHold } from '../../repository/holds.ts';
import type { PageRequest, Pages, RepositoryFigures, Running, ServeView } from './view.ts';

export interface ServeOptions {
  readonly config: Config;
  /** Plans to schedule (default: every plan with a schedule:). */
  readonly plans?: readonly string[];
  readonly listenHost: string;
  readonly listenPort: number;
  /** Host name recorded in snapshots: stable across replicas and restarts. */
  readonly host: string;
  readonly hostRoot?: string;
  readonly node?: string;
  readonly lease?: { readonly http: KubeHttp; readonly namespace: string; readonly name: string; readonly identity: string; readonly durationMs: number; readonly renewMs: number };
  readonly historyFile?: string;
  readonly retries?: number;
  readonly retryBackoffMs?: number;
  readonly clock?: Clock;
  readonly log: (message: string) => void;
  /** The dashboard: pages for every GET that is not an API endpoint, and its actions (POST). */
  readonly pages?: Pages;
  /** Serve HTTPS with this certificate and key (PEM). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

/** What the API serves; every other GET is a page of the dashboard, when there is one. */
const ENDPOINTS = ['/healthz', '/metrics', '/api/runs', '/api/snapshots', '/api/status', '/api/drills'];

/** How often the repository figures (size, dedup) are re-read between runs. */
const REFRESH_MS = 5 * 60_000;
/**
 * The snapshot listing behind RPO and last-success figures is read again when a scrape finds
 * it older than this: leader and standby then answer from the same repository state, never
 * from one taken minutes apart (a standby runs nothing, so nothing else would refresh it).
 */
const LISTING_FRESH_MS = 1_000;

/** The scheduler's name of a plan's drill schedule (a plan name has no space). */
const DRILL = 'drill ';

export function scheduledPlans(config: Config, names: readonly string[] | undefined): ScheduledPlan[] {
  const given = names !== undefined && names.length > 0;
  const chosen = given ? names : Object.keys(config.plans).filter((n) => config.plans[n]!.schedule !== undefined || config.plans[n]!.drill?.schedule !== undefined);
  if (chosen.length === 0) throw new UsageError('no plan has a schedule: nothing to serve', { hint: 'add schedule: { cron: "0 1 * * *" } (backups) or drill: { schedule: { cron: "0 3 1 * *" } } (drills) to a plan in strata.yaml' });
  return chosen.flatMap((name) => {
    const plan = config.plans[name];
    if (plan === undefined) throw new UsageError(`--plan ${name}: not under plans: in strata.yaml`);
    if (plan.schedule === undefined && plan.drill?.schedule === undefined) throw new UsageError(`--plan ${name}: plans.${name} has no schedule:`, { hint: 'add schedule: { cron: "0 1 * * *" }' });
    checkRunnable(name, plan);
    const schedules: ScheduledPlan[] = [];
    if (plan.schedule !== undefined) {
      const jitter = plan.schedule.jitter === undefined ? undefined : Duration.parse(plan.schedule.jitter);
      schedules.push({ name, cron: plan.schedule.cron, timeZone: plan.schedule.timeZone, jitterMs: jitter?.milliseconds ?? 0 });
    }
    const drill = plan.drill?.schedule;
    if (drill !== undefined) schedules.push({ name: `${DRILL}${name}`, cron: drill.cron, timeZone: drill.timeZone, jitterMs: drill.jitter === undefined ? 0 : (Duration.parse(drill.jitter)?.milliseconds ?? 0) });
    return schedules;
  });
}

export class Serve {
  private readonly options: ServeOptions;
  private readonly plans: readonly ScheduledPlan[];
  private readonly history: RunHistory;
  private readonly metrics = new ServeMetrics();
  private readonly scheduler: Scheduler;
  private readonly elector: LeaseElector | undefined;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly snapshots = new Map<string, readonly StoredSnapshot[]>();
  private readonly drills = new Map<string, readonly DrillReport[]>();
  /** Drills of one cluster go one at a time. */
  private readonly drillQueues = new Map<string, Promise<unknown>>();
  /** Repositories stay open between listings: a key is unwrapped (scrypt) once, not per scrape. */
  private readonly opened = new Map<string, Promise<Repository>>();
  private readonly listed = new Map<string, { at: number; listing: Promise<void> }>();
  private readonly figures = new Map<string, RepositoryFigures>();
  /** Backups and drills running now. */
  private readonly active = new Set<Running>();
  /** Stops what an operator started from the dashboard when serve stops. */
  private readonly manual = new AbortController();
  private server: Server | undefined;
  private refresher: NodeJS.Timeout | undefined;

  constructor(options: ServeOptions) {
    this.options = options;
    this.plans = scheduledPlans(options.config, options.plans);
    this.history = new RunHistory(options.historyFile);
    for (const run of this.history.all()) this.metrics.recordRun(run, this.sourcesOf(run.plan));
    this.elector = options.lease === undefined ? undefined : new LeaseElector(options.lease.http, {
      ...options.lease,
      onChange: (leading, holder) => {
        this.metrics.setLeader(leading, true);
        options.log(leading ? `leading: this replica (${options.lease!.identity}) runs the schedules` : `standing by: ${holder ?? 'another replica'} holds the lease`);
      },
      onError: (error) => options.log(`lease: ${(error as Error).message}`),
    });
    this.metrics.setLeader(this.elector === undefined, this.elector !== undefined);
    this.metrics.setStatusSource(() => this.statuses());
    this.metrics.declarePlans(this.plans.filter((p) => !p.name.startsWith(DRILL)).map((p) => p.name));
    this.scheduler = new Scheduler(this.plans, {
      clock: options.clock ?? systemClock,
      isLeader: () => this.elector?.isLeader() ?? true,
      run: (plan, trigger, attempt, signal) => (plan.startsWith(DRILL) ? this.drill(plan.slice(DRILL.length), signal) : this.run(plan, trigger, attempt, signal)),
      ...(options.retries !== undefined && { retries: options.retries }),
      ...(options.retryBackoffMs !== undefined && { retryBackoffMs: options.retryBackoffMs }),
      onEvent: (event) => this.logEvent(event),
    });
  }

  /** Starts HTTP, the election and the schedules; resolves with the port listened on. */
  async start(): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = this.options.tls === undefined ? createServer(handler) : createHttpsServer({ cert: this.options.tls.cert, key: this.options.tls.key }, handler);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.listenPort, this.options.listenHost, resolve);
    });
    const port = (this.server.address() as AddressInfo).port;
    this.options.log(`serving on ${this.options.tls === undefined ? 'http' : 'https'}://${this.options.listenHost}:${port} (${this.options.pages === undefined ? '' : 'the dashboard at /, '}/metrics, /healthz, /api/runs, /api/snapshots, /api/status, /api/drills); plans: ${this.plans.map((p) => `${p.name} "${p.cron}" ${p.timeZone}`).join(', ')}`);
    await Promise.all(this.repositories().map((r) => this.refresh(r).catch((e: unknown) => this.options.log(`repository ${r}: ${(e as Error).message}`))));
    this.refresher = setInterval(() => {
      for (const r of this.repositories()) void this.refresh(r).catch(() => undefined);
    }, REFRESH_MS);
    this.refresher.unref();
    this.elector?.start();
    this.scheduler.start();
    return port;
  }

  async stop(): Promise<void> {
    if (this.refresher !== undefined) clearInterval(this.refresher);
    this.manual.abort(new Error('strata serve is stopping'));
    await this.scheduler.stop();
    await this.elector?.stop();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
    this.server?.closeAllConnections();
    for (const repository of this.opened.values()) await repository.then((r) => r.backend.close?.(), () => undefined);
  }

  private repository(name: string): Promise<Repository> {
    let opened = this.opened.get(name);
    if (opened === undefined) {
      const choice = configuredRepository(this.options.config, name);
      opened = openRepository(choice.address, choice.credentials);
      // A failed open is tried again next time.
      opened.catch(() => this.opened.delete(name));
      this.opened.set(name, opened);
    }
    return opened;
  }

  /** The snapshot listings, read again where older than LISTING_FRESH_MS (one listing at a time per repository). */
  private async freshListings(): Promise<void> {
    await Promise.all(this.repositories().map(async (name) => {
      const last = this.listed.get(name);
      if (last !== undefined && Date.now() - last.at < LISTING_FRESH_MS) return last.listing;
      const listing = this.listSnapshots(name);
      this.listed.set(name, { at: Date.now(), listing });
      await listing.catch((error: unknown) => this.options.log(`repository ${name}: ${(error as Error).message}`));
    }));
  }

  private async listSnapshots(name: string): Promise<void> {
    const repository = await this.repository(name);
    const { snapshots } = await listSnapshots(repository);
    this.snapshots.set(name, snapshots);
    this.drills.set(name, (await listDrillReports(repository)).reports);
    this.metrics.recordSnapshots(name, snapshots, (plan) => this.sourcesOf(plan));
  }

  private repositories(): string[] {
    return [...new Set(this.planNames().map((p) => this.options.config.plans[p]!.repository))];
  }

  /** The plans served, whether for backups, drills or both. */
  private planNames(): string[] {
    return [...new Set(this.plans.map((p) => (p.name.startsWith(DRILL) ? p.name.slice(DRILL.length) : p.name)))];
  }

  private sourcesOf(plan: string): string[] {
    return [...new Set((this.options.config.plans[plan]?.sources ?? []).map((s) => s.type))];
  }

  private statuses(): PlanStatus[] {
    const now = Date.now();
    return this.planNames().map((name) => {
      const plan = this.options.config.plans[name]!;
      return statusOf(name, plan, this.snapshots.get(plan.repository) ?? [], this.drills.get(plan.repository) ?? [], now);
    });
  }

  private async run(plan: string, trigger: RunTrigger, attempt: number, signal: AbortSignal): Promise<RunResult> {
    const repository = this.options.config.plans[plan]!.repository;
    const previous = this.queues.get(repository) ?? Promise.resolve();
    const turn = previous.then(async () => {
      if (signal.aborted) return 'failed' as const;
      this.options.log(`plan ${plan}: run starts (${trigger}${attempt > 1 ? `, attempt ${attempt}` : ''})`);
      const running: Running = { plan, kind: 'backup', startedAt: new Date().toISOString(), trigger };
      // Mutable on purpose: the dashboard reads the newest progress line.
      this.active.add(running);
      const record = await runPlan(this.options.config, plan, {
        trigger, attempt, signal, host: this.options.host,
        ...(this.options.hostRoot !== undefined && { hostRoot: this.options.hostRoot }),
        ...(this.options.node !== undefined && { node: this.options.node }),
        log: this.options.log,
        onProgress: (line) => (running.progress = line),
      }).finally(() => this.active.delete(running));
      this.history.add(record);
      this.metrics.recordRun(record, this.sourcesOf(plan));
      this.options.log(`plan ${plan}: ${record.result}${record.error === undefined ? '' : `: ${record.error}`}`);
      // Not awaited: after a failed run the repository may be what failed, and the retry is
      // scheduled now, not after another round of storage retries.
      void this.refresh(repository).catch((e: unknown) => this.options.log(`repository ${repository}: ${(e as Error).message}`));
      return record.result;
    });
    this.queues.set(repository, turn.catch(() => undefined));
    return turn;
  }

  /**
   * A scheduled drill: one at a time per cluster, after the runs queued on its repository,
   * and never while a restore holds the repository (it is tried again later). A drill that
   * ran and failed is a finding, not a fault: it is not retried.
   */
  private async drill(plan: string, signal: AbortSignal): Promise<RunResult> {
    const config = this.options.config.plans[plan]!;
    const cluster = config.cluster ?? '(default)';
    const previous = Promise.all([this.drillQueues.get(cluster), this.queues.get(config.repository)]);
    const turn = previous.then(async (): Promise<RunResult> => {
      if (signal.aborted) return 'failed';
      const restores = (await listLocks(await this.repository(config.repository))).filter((l) => l.operation === 'restore' && !l.stale);
      if (restores.length > 0) {
        this.options.log(`plan ${plan}: drill postponed: a restore holds the repository (pid ${restores[0]!.pid} on ${restores[0]!.host})`);
        return 'failed';
      }
      this.options.log(`plan ${plan}: drill starts`);
      const running: Running = { plan, kind: 'drill', startedAt: new Date().toISOString(), trigger: 'schedule' };
      this.active.add(running);
      const report = await runDrill(this.options.config, plan, { signal, host: this.options.host, log: this.options.log }).finally(() => this.active.delete(running));
      this.options.log(`plan ${plan}: drill ${report.result}, RTO ${(report.rtoMs / 1000).toFixed(1)}s${report.failures.length === 0 ? '' : `: ${report.failures[0]}`}`);
      void this.refresh(config.repository).catch((e: unknown) => this.options.log(`repository ${config.repository}: ${(e as Error).message}`));
      return report.result === 'passed' ? 'succeeded' : 'partially-failed';
    });
    this.drillQueues.set(cluster, turn.catch(() => undefined));
    return turn.catch((error: unknown) => {
      this.options.log(`plan ${plan}: drill could not run: ${(error as Error).message}`);
      return 'failed' as const;
    });
  }

  private async refresh(name: string): Promise<void> {
    const repository = await this.repository(name);
    const [packs] = await Promise.all([collect(repository.backend.list('data/')), this.listSnapshots(name)]);
    this.listed.set(name, { at: Date.now(), listing: Promise.resolve() });
    const snapshots = this.snapshots.get(name) ?? [];
    const figures = { storedBytes: packs.reduce((sum, p) => sum + p.size, 0), logicalBytes: snapshots.reduce((sum, s) => sum + s.summary.bytes, 0) };
    this.figures.set(name, figures);
    this.metrics.recordRepository(name, figures);
  }

  /** The daemon's state for the dashboard's pages. */
  private view(): ServeView {
    const config = this.options.config;
    return {
      config,
      plans: () => this.planNames(),
      statuses: async () => {
        await this.freshListings();
        return this.statuses();
      },
      snapshots: async () => {
        await this.freshListings();
        return [...this.snapshots].flatMap(([repository, list]) => list.map((s) => ({ ...s, repository }))).sort((a, b) => a.time.localeCompare(b.time));
      },
      drills: async () => {
        await this.freshListings();
        return [...this.drills.values()].flat().sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      },
      runs: (plan) => this.history.list(plan, 1000),
      repository: (name) => this.figures.get(name),
      nextRuns: () => this.scheduler.nextRuns(),
      holds: async (name) => listHolds(await this.repository(name)),
      running: () => [...this.active],
      actions: {
        runNow: (plan, by) => {
          this.served(plan);
          this.options.log(`plan ${plan}: run requested by ${by}`);
          void this.run(plan, 'manual', 1, this.manual.signal);
        },
        drillNow: (plan, by) => {
          this.served(plan);
          this.options.log(`plan ${plan}: drill requested by ${by}`);
          void this.drill(plan, this.manual.signal);
        },
        hold: async (name, snapshot, reason, by) => {
          await placeHold(await this.servedRepository(name, snapshot), { snapshot, time: new Date().toISOString(), reason, host: this.options.host, username: by });
          this.options.log(`snapshot ${snapshot.slice(0, 8)} held by ${by}: ${reason}`);
        },
        release: async (name, snapshot) => releaseHold(await this.servedRepository(name, snapshot), snapshot),
      },
      retention: async (plan) => {
        const retention = config.plans[plan]?.retention;
        if (retention === undefined) return undefined;
        const repository = await this.repository(config.plans[plan]!.repository);
        return (await forget(repository, { policy: keepPolicy(retention), groupBy: retention.groupBy, dryRun: true, plan })).groups;
      },
    };
  }

  private served(plan: string): void {
    if (!this.planNames().includes(plan)) throw new UsageError(`plan ${plan} is not served here`, { hint: `served: ${this.planNames().join(', ')}` });
  }

  /** The repository of a snapshot this server lists: actions touch nothing else. */
  private async servedRepository(name: string, snapshot: string): Promise<Repository> {
    if (!this.repositories().includes(name) || !(this.snapshots.get(name) ?? []).some((s) => s.id === snapshot)) {
      throw new UsageError(`snapshot ${snapshot} is not in repository ${name} as served here`);
    }
    return this.repository(name);
  }

  private logEvent(event: SchedulerEvent): void {
    if (event.kind === 'missed') this.options.log(`plan ${event.plan}: ${event.count} fire time(s) passed while it ran; skipped (a plan never overlaps itself)`);
    else if (event.kind === 'retry') this.options.log(`plan ${event.plan}: failed; attempt ${event.attempt} in ${Math.round(event.inMs / 1000)}s`);
    else if (event.kind === 'not-leader') this.options.log(`plan ${event.plan}: fire time passed on a standby replica`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://serve');
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(typeof body === 'string' ? body : `${JSON.stringify(body, null, 2)}\n`);
    };
    try {
      if (!ENDPOINTS.includes(url.pathname) && this.options.pages !== undefined) {
        const page = await this.options.pages(await pageRequest(req, url), this.view());
        if (page !== undefined) {
          res.writeHead(page.status, { 'Content-Type': page.type, 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin', 'Cache-Control': 'no-store', ...page.headers });
          res.end(page.body);
          return;
        }
      }
      if (req.method !== 'GET') return send(405, { error: 'only GET' });
      const plan = url.searchParams.get('plan') ?? undefined;
      if (url.pathname === '/metrics' || url.pathname.startsWith('/api/status') || url.pathname.startsWith('/api/snapshots') || url.pathname.startsWith('/api/drills')) await this.freshListings();
      switch (url.pathname) {
        case '/healthz':
          return send(200, {
            status: 'ok',
            leader: this.elector?.isLeader() ?? true,
            ...(this.elector !== undefined && { holder: this.elector.currentHolder ?? null }),
            nextRuns: Object.fromEntries([...this.scheduler.nextRuns()].map(([name, at]) => [name, new Date(at).toISOString()])),
          });
        case '/metrics':
          return send(200, await this.metrics.registry.metrics(), this.metrics.registry.contentType);
        case '/api/runs':
          return send(200, this.history.list(plan, Number(url.searchParams.get('limit') ?? 100) || 100));
        case '/api/status':
          return send(200, this.statuses());
        case '/api/drills': {
          const reports = [...this.drills.values()].flat().sort((a, b) => a.startedAt.localeCompare(b.startedAt));
          return send(200, reports.filter((r) => plan === undefined || r.plan === plan));
        }
        case '/api/snapshots': {
          const all = [...this.snapshots].flatMap(([repository, list]) => list.map((s) => ({ repository, ...s })));
          return send(200, all.filter((s) => plan === undefined || s.plan === plan).map((s) => ({ id: s.id, repository: s.repository, plan: s.plan ?? null, time: s.time, host: s.host, result: s.result, tags: s.tags, sources: s.sources.map((x) => x.type), summary: s.summary })));
        }
        default:
          return send(404, { error: `no such endpoint: ${url.pathname}`, endpoints: ENDPOINTS });
      }
    } catch (error) {
      send(500, { error: (error as Error).message });
    }
  }
}

/** Forms are small: a body larger than this is refused. */
const FORM_LIMIT = 64 * 1024;

async function pageRequest(req: IncomingMessage, url: URL): Promise<PageRequest> {
  let body = '';
  if (req.method === 'POST') {
    for await (const chunk of req) {
      body += (chunk as Buffer).toString('utf8');
      if (body.length > FORM_LIMIT) throw new UsageError(`request body over ${FORM_LIMIT} bytes`);
    }
  }
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
  return { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, form: new URLSearchParams(body), secure: 'encrypted' in req.socket };
}
