/**
 * One drill of a plan (`strata drill`, and `strata serve` on the plan's drill schedule): its
 * newest completed snapshot (or the one named) restored source by source into scratch
 * targets by each source's own drill, then the plan's checks run against the copy; each
 * layer timed from the drill's start, the RTO measured and compared with the plan's `rto:`;
 * everything the drill made removed (also after a failure or an interruption, unless
 * --keep), leftovers of an earlier killed drill of the plan removed first; the report
 * stored in the repository beside the snapshot.
 */
import { randomBytes } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { drillSchema, type DrillConfig } from '../../core/config/drill.ts';
import type { Config } from '../../core/config/schema.ts';
import { measuredRto, type DrillCleanUp, type DrillLayer, type DrillReport } from '../../core/drill/report.ts';
import { drillId, scratchNamespace } from '../../core/drill/scratch.ts';
import { Duration } from '../../core/duration.ts';
import { Refused, UsageError } from '../../core/errors.ts';
import type { InPlaceTarget, WorkloadRef } from '../../core/drill/workload.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { holdExit } from '../../programs/interruption.ts';
import { saveDrillReport } from '../../repository/drills.ts';
import { Lock } from '../../repository/lock.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { findSnapshot, listSnapshots } from '../../repository/snapshots.ts';
import { knownSource, services } from '../../sources/registry.ts';
import type { SourceEntry, DrillContext, DrillOutcome } from '../../sources/source.ts';
import { configuredRepository } from '../repository/choose.ts';
import { openRepository } from '../repository/open.ts';
import { runChecks } from './checks.ts';
import { removeClusterScratch, removeLocalScratch, Scratch, type Removal } from './scratch.ts';

export interface DrillOptions {
  /** A snapshot ID (prefix) instead of the plan's newest completed one. */
  readonly snapshot?: string;
  /** Leave the scratch things for a look; the next drill of the plan removes them. */
  readonly keep?: boolean;
  readonly host?: string;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  /** The chaos day: delete this workload where it runs and restore it in place (needs `confirm` and drill.nonProduction). */
  readonly inPlace?: WorkloadRef;
  /** With `inPlace`: its claims are deleted too and come back with their data. */
  readonly withData?: boolean;
  readonly confirm?: boolean;
}

/** How long an interrupted drill waits for its scratch namespaces to be gone (the exit is held meanwhile). */
const INTERRUPTED_WAIT_MS = 20_000;

/** The plan's `drill:`, or the defaults when it has none: every plan can be drilled. */
export function drillSettings(config: Config, planName: string): DrillConfig {
  const plan = config.plans[planName];
  if (plan === undefined) throw new UsageError(`plan "${planName}" is not under plans: in strata.yaml (have: ${Object.keys(config.plans).join(', ') || 'none'})`);
  return plan.drill ?? drillSchema.parse({});
}

export async function runDrill(config: Config, planName: string, options: DrillOptions = {}): Promise<DrillReport> {
  const settings = drillSettings(config, planName);
  const plan = config.plans[planName]!;
  if (options.inPlace !== undefined) {
    const { namespace, kind, name } = options.inPlace;
    if (options.confirm !== true) throw new UsageError(`--in-place deletes ${kind} ${namespace}/${name}${options.withData === true ? ' and its claims' : ''} where it runs and restores it from the backup: add --confirm`);
    if (!settings.nonProduction) {
      throw new Refused(`plan ${planName}'s cluster is not marked non-production: an in-place drill deletes a live workload`, { hint: `set plans.${planName}.drill.nonProduction: true for a pre-production cluster (never on production), or drill into scratch targets without --in-place` });
    }
  }
  const choice = configuredRepository(config, plan.repository);
  const repository = await openRepository(choice.address, choice.credentials);
  const cluster = plan.cluster === undefined ? undefined : config.clusters[plan.cluster];
  let http: KubeHttp | undefined;
  try {
    const snapshot = await chosenSnapshot(repository, planName, options.snapshot);
    return await drill(repository, snapshot, planName, plan.sources, settings, plan.rto, options, async () => {
      http ??= new KubeHttp(await connect({ kubeconfig: cluster?.kubeconfig, context: cluster?.context }));
      return http;
    }, plan.cluster);
  } finally {
    http?.close();
    await repository.backend.close?.();
  }
}

async function chosenSnapshot(repository: Repository, plan: string, ref: string | undefined): Promise<StoredSnapshot> {
  if (ref !== undefined) return findSnapshot(repository, ref);
  const { snapshots } = await listSnapshots(repository);
  const newest = snapshots.filter((s) => s.plan === plan && s.result === 'completed').at(-1);
  if (newest === undefined) throw new UsageError(`plan ${plan} has no completed snapshot to drill`, { hint: `run it first (strata run ${plan}), or name a snapshot with --snapshot ID` });
  return newest;
}

async function drill(repository: Repository, snapshot: StoredSnapshot, plan: string, entries: readonly SourceEntry[], settings: DrillConfig, rto: string | undefined, options: DrillOptions, openKube: () => Promise<KubeHttp>, cluster: string | undefined): Promise<DrillReport> {
  const log = options.log ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;
  const timeoutMs = Duration.parse(settings.timeout)!.milliseconds;
  const workDir = resolve(settings.workDir ?? tmpdir());
  const startedAt = new Date();
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const id = drillId(startedAt, randomBytes(3).toString('hex'));
  const scratch = new Scratch(id, plan, workDir);
  const leftovers: Removal = { removed: [], problems: [] };
  const gather = (removal: Removal) => {
    leftovers.removed.push(...removal.removed);
    leftovers.problems.push(...removal.problems);
  };
  const earlier = await removeLocalScratch(plan, workDir, { except: id });
  for (const what of earlier.removed) log(`removed the leftover ${what} of an earlier drill`);
  gather(earlier);
  // The cluster's leftovers go when a layer first needs the cluster: before it makes anything.
  let kube: KubeHttp | undefined;
  const kubeOnce = async () => {
    if (kube === undefined) {
      kube = await openKube();
      const removal = await removeClusterScratch(kube, plan, { except: id });
      for (const what of removal.removed) log(`removed the leftover ${what} of an earlier drill`);
      gather(removal);
    }
    return kube;
  };
  const release = holdExit({ what: `removing drill ${scratch.id}'s scratch things`, byHand: [`kubectl delete namespace,crd -l strata.io/drill=${scratch.id}`, `rm -rf ${scratch.root}`] });
  // Held until the report is saved too: an interrupted CLI exits once this is released.
  try {
    const layers: DrillLayer[] = [];
    let cleanUp: DrillCleanUp;
    try {
      const lock = await Lock.acquire(repository, 'drill', 'shared');
      try {
        await repository.loadIndex();
        const context: DrillContext = { repository, snapshot, fileTrees: services.fileTrees, progress: () => undefined, plan, settings, timeoutMs, scratch, kube: kubeOnce, signal };
        const stored = [...snapshot.sources].sort((a, b) => (knownSource(a.type)?.order ?? 1000) - (knownSource(b.type)?.order ?? 1000));
        const target = options.inPlace === undefined ? undefined : inPlaceTarget(snapshot, options.inPlace, options.withData === true);
        for (const { type } of stored) {
          const source = knownSource(type);
          const startedMs = elapsed();
          const run = target === undefined ? source?.drill?.bind(source) : source?.drillInPlace?.bind(source);
          if (run === undefined) {
            const why = target === undefined ? 'no drill for this source yet: its restore runbook says how to test it' : 'in place, only the layers that hold the workload are drilled';
            layers.push({ layer: type, result: 'not drilled', detail: why, startedMs, durationMs: 0, readyMs: startedMs, steps: [] });
            continue;
          }
          log(`drilling ${type}`);
          const entry = entries.find((e) => e.type === type);
          const sourceContext: DrillContext = { ...context, ...(entry !== undefined && { entry }) };
          layers.push(layerOf(type, await outcomeOf(() => run(sourceContext, target!), signal), startedMs, elapsed()));
        }
        if (settings.checks.length > 0 && !signal.aborted) {
          const startedMs = elapsed();
          log('running the plan\'s checks');
          const where = (namespace: string) => (options.inPlace === undefined ? scratchNamespace(namespace, settings.suffix) : namespace);
          const steps = await runChecks(settings.checks, { where, env: { STRATA_PLAN: plan, STRATA_DRILL: scratch.id, STRATA_DRILL_SUFFIX: settings.suffix }, kube: kubeOnce, signal });
          layers.push(layerOf('checks', { detail: `${steps.filter((s) => s.result === 'passed').length} of ${steps.length} passed`, steps }, startedMs, elapsed()));
        }
      } finally {
        await lock.release();
      }
    } finally {
      if (options.keep === true) {
        cleanUp = { kept: true, removed: [scratch.root, ...scratch.namespaces.map((ns) => `namespace ${ns}`), ...scratch.others.map((o) => o.what)], problems: [] };
      } else {
        log('removing the scratch things');
        const others = await scratch.removeOthers();
        const local = await removeLocalScratch(plan, workDir, { only: id });
        const objects = kube === undefined ? { removed: [], problems: [] } : await removeClusterScratch(kube, plan, { only: id }, signal.aborted ? INTERRUPTED_WAIT_MS : undefined);
        cleanUp = { kept: false, removed: [...others.removed, ...objects.removed, ...local.removed], problems: [...others.problems, ...objects.problems, ...local.problems] };
      }
    }
    const failures = layers.flatMap((l) => l.steps.filter((s) => s.result === 'failed').map((s) => `${l.layer}: ${s.name}: ${s.detail}`));
    if (signal.aborted) failures.push(`interrupted: ${(signal.reason as Error | undefined)?.message ?? 'stopped'}`);
    const targetRtoMs = rto === undefined ? undefined : Duration.parse(rto)?.milliseconds;
    const report: DrillReport = {
      version: 1,
      id: scratch.id,
      plan,
      ...(cluster !== undefined && { cluster }),
      snapshot: snapshot.id,
      snapshotTime: snapshot.time,
      host: options.host ?? hostname(),
      mode: options.inPlace === undefined ? 'scratch' : 'in-place',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      result: failures.length === 0 ? 'passed' : 'failed',
      rtoMs: measuredRto(layers),
      ...(targetRtoMs !== undefined && { targetRtoMs }),
      layers,
      failures,
      cleanUp: { ...cleanUp, removed: [...leftovers.removed.map((r) => `${r} (left by an earlier drill)`), ...cleanUp.removed], problems: [...leftovers.problems, ...cleanUp.problems] },
    };
    await saveDrillReport(repository, report);
    return report;
  } finally {
    release();
  }
}

/** The chaos day's target; with data, the claims whose data some source of the snapshot holds. */
function inPlaceTarget(snapshot: StoredSnapshot, workload: WorkloadRef, withData: boolean): InPlaceTarget {
  if (!withData) return { workload };
  const claims = new Set(snapshot.sources.flatMap((s) => knownSource(s.type)?.claimData?.(s) ?? []));
  return { workload, withData: { claims } };
}

/** A source's drill that throws (our bug, or a refusal) is a failed layer, not a lost report. */
async function outcomeOf(run: () => Promise<DrillOutcome>, signal: AbortSignal): Promise<DrillOutcome> {
  try {
    return await run();
  } catch (error) {
    const message = signal.aborted ? `interrupted: ${(error as Error).message}` : (error as Error).message;
    return { detail: '', steps: [{ name: 'drill', result: 'failed', detail: message, durationMs: 0 }] };
  }
}

function layerOf(layer: string, outcome: DrillOutcome, startedMs: number, readyMs: number): DrillLayer {
  const failed = outcome.steps.some((s) => s.result === 'failed');
  return { layer, result: failed ? 'failed' : outcome.notDrilled === true ? 'not drilled' : 'passed', detail: outcome.detail, startedMs, durationMs: readyMs - startedMs, readyMs, steps: outcome.steps };
}
