/**
 * One run of a plan, as `strata run`, a systemd timer and `strata serve` do it: pre hooks,
 * the backup (afterSnapshot hooks run once its volumes' snapshots are taken, before their
 * data is read: the thaw of a freeze), then retention (forget, and prune when something was forgotten), then
 * replication to the plan's other repositories, then post hooks (always, with the result).
 * Each step's outcome goes into the run record; a failure stops the steps after it, except
 * the post hooks.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { HistoryConfig } from '../../core/config/history.ts';
import type { Config, PlanConfig } from '../../core/config/schema.ts';
import { StrataError, UsageError } from '../../core/errors.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { RepositoryLocked } from '../../repository/errors.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { listSnapshots } from '../../repository/snapshots.ts';
import { backup } from '../backup.ts';
import { copySnapshots } from '../copy.ts';
import { forget } from '../forget.ts';
import { prune } from '../prune/prune.ts';
import { configuredRepository } from '../repository/choose.ts';
import { openRepository } from '../repository/open.ts';
import { exportHistory } from '../history/export.ts';
import { planHistorySettings } from '../history/settings.ts';
import { runHook, type HookResult } from './hooks.ts';
import { keepPolicy } from '../../core/config/keep.ts';
import { heldOutside, releaseOutside } from '../../sources/registry.ts';
import { checkRunnable, planSources } from './sources.ts';

export type RunResult = 'succeeded' | 'partially-failed' | 'failed';
export type RunTrigger = 'manual' | 'schedule' | 'retry';

export interface RunRecord {
  readonly id: string;
  readonly plan: string;
  readonly trigger: RunTrigger;
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly result: RunResult;
  readonly snapshot?: Id;
  readonly bytes: number;
  readonly bytesAdded: number;
  readonly forgotten: number;
  readonly prunedBytes: number;
  readonly replicated: readonly { readonly repository: string; readonly copied: number; readonly error?: string }[];
  /** The plan's history export (history: in strata.yaml), after a completed backup. */
  readonly history?: HistoryRun;
  /** Sources another host's run of the same plan covered this time (who, when). */
  readonly leftToOthers?: readonly string[];
  readonly hooks: readonly HookResult[];
  readonly warnings: readonly string[];
  readonly error?: string;
}

export interface HistoryRun {
  readonly path: string;
  readonly changed: boolean;
  readonly tag?: string;
  readonly commit?: string;
  readonly added: number;
  readonly removed: number;
  readonly changedObjects: number;
  /** With a remote: whether this run's push went through, and what is still not on the remote. */
  readonly pushed?: boolean;
  readonly unpushed?: number;
  /** The export failed (nothing committed). */
  readonly error?: string;
  /** The export committed, the push did not: the next run pushes again. */
  readonly pushError?: string;
}

export interface RunOptions {
  readonly trigger?: RunTrigger;
  readonly attempt?: number;
  /** Host name recorded in the snapshot (serve passes a stable one; pods come and go). */
  readonly host?: string;
  readonly hostRoot?: string;
  /** This node's name, for volumes read as files by a per-node agent. */
  readonly node?: string;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
  /** The backup's progress, one line about four times a second (serve's dashboard shows it). */
  readonly onProgress?: (line: string) => void;
}

function describe(error: unknown): string {
  if (error instanceof StrataError) return error.hint === undefined ? error.message : `${error.message} (${error.hint})`;
  return error instanceof Error ? error.message : String(error);
}

export async function runPlan(config: Config, planName: string, options: RunOptions = {}): Promise<RunRecord> {
  const plan = config.plans[planName];
  if (plan === undefined) throw new UsageError(`plan "${planName}" is not under plans: in strata.yaml (have: ${Object.keys(config.plans).join(', ') || 'none'})`);
  checkRunnable(planName, plan);
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const hooks: HookResult[] = [];
  const warnings: string[] = [];
  const replicated: { repository: string; copied: number; error?: string }[] = [];
  const leftToOthers: string[] = [];
  let result: RunResult = 'succeeded';
  let error: string | undefined;
  let snapshot: Id | undefined;
  let bytes = 0;
  let bytesAdded = 0;
  let forgotten = 0;
  let prunedBytes = 0;
  let history: HistoryRun | undefined;
  const env = { STRATA_PLAN: planName, STRATA_REPOSITORY: plan.repository };
  // Connected only when a hook runs in a pod.
  let connection: Promise<KubeHttp> | undefined;
  const cluster = plan.cluster === undefined ? undefined : config.clusters[plan.cluster];
  const kube = () => (connection ??= connect({ kubeconfig: cluster?.kubeconfig, context: cluster?.context }).then((c) => new KubeHttp(c)));

  const runHooks = async (which: 'pre' | 'afterSnapshot' | 'post', extra: Record<string, string>): Promise<boolean> => {
    for (const hook of plan.hooks?.[which] ?? []) {
      const outcome = await runHook(hook, { env: { ...env, ...extra, STRATA_HOOK: which }, kube, ...(options.signal && { signal: options.signal }) });
      hooks.push(outcome);
      if (outcome.ok) continue;
      const message = `${which} hook ${hook.command.join(' ')}: ${outcome.outcome}`;
      if (hook.onError === 'fail') {
        error ??= message;
        return false;
      }
      warnings.push(message);
    }
    return true;
  };

  try {
    if (await runHooks('pre', {})) {
      log(`plan ${planName}: backing up`);
      const sources = await planSources(config, planName, { ...(options.hostRoot !== undefined && { hostRoot: options.hostRoot }), ...(options.node !== undefined && { node: options.node }) });
      const choice = configuredRepository(config, plan.repository);
      const repository = await openRepository(choice.address, choice.credentials);
      try {
        const outcome = await backup(repository, {
          sources: sources.runs,
          warnings: sources.warnings,
          afterCapture: async () => void (await runHooks('afterSnapshot', {})),
          tags: plan.tags,
          plan: planName,
          host: options.host ?? hostname(),
          ...(options.signal && { signal: options.signal }),
          ...(options.onProgress && { onProgress: options.onProgress }),
        }).finally(() => sources.close());
        snapshot = outcome.id;
        leftToOthers.push(...outcome.leftToOthers);
        bytes = outcome.snapshot?.summary.bytes ?? 0;
        bytesAdded = outcome.snapshot?.summary.newBytes ?? 0;
        warnings.push(...(outcome.snapshot?.warnings ?? []));
        if (outcome.snapshot !== undefined && outcome.snapshot.result !== 'completed') result = 'partially-failed';
        if (plan.history !== undefined && outcome.snapshot !== undefined && outcome.id !== undefined) {
          history = await exportPlanHistory(repository, { ...outcome.snapshot, id: outcome.id }, planName, { ...plan, history: plan.history }, log, options.signal);
          for (const problem of [history.error, history.pushError]) {
            if (problem === undefined) continue;
            warnings.push(`history: ${problem}`);
            result = 'partially-failed';
          }
        }

        if (plan.retention !== undefined) {
          const retention = plan.retention;
          log(`plan ${planName}: applying retention`);
          // Another host's forget or prune holds the maintenance lock: the next run applies the policy.
          await (async () => {
            const forgot = await forget(repository, { policy: keepPolicy(retention), groupBy: retention.groupBy, dryRun: false, plan: planName });
            forgotten = forgot.removed.length;
            if (heldOutside(forgot.removedSnapshots).length > 0) {
              const cleanup = await releaseOutside(await kube(), forgot.removedSnapshots);
              if (cleanup.released.length > 0) log(`plan ${planName}: deleted ${cleanup.released.join(', ')}`);
              warnings.push(...cleanup.warnings);
            }
            if (forgotten > 0 && retention.prune) {
              log(`plan ${planName}: pruning`);
              prunedBytes = (await prune(repository, { dryRun: false, maxUnused: retention.maxUnused / 100, waitMs: 3_600_000 })).freedBytes;
            }
          })().catch((e: unknown) => {
            if (!(e instanceof RepositoryLocked)) throw e;
            warnings.push(`retention postponed to the next run: ${e.message}`);
          });
        }
        for (const target of plan.replication) {
          log(`plan ${planName}: replicating to ${target.repository}`);
          const copied = await replicate(config, repository, planName, target.repository).catch((e: unknown) => ({ error: describe(e) }));
          replicated.push({ repository: target.repository, ...('error' in copied ? { copied: 0, error: copied.error } : { copied: copied.copied }) });
          if ('error' in copied) {
            warnings.push(`replication to ${target.repository}: ${copied.error}`);
            result = 'partially-failed';
          }
        }
      } finally {
        await repository.backend.close?.();
      }
    }
  } catch (e) {
    error ??= describe(e);
  }
  if (error !== undefined) result = 'failed';
  await runHooks('post', { STRATA_RESULT: result, ...(snapshot !== undefined && { STRATA_SNAPSHOT: snapshot }) });
  // A failing post hook with onError: fail fails the run (an unfreeze that did not happen matters).
  if (error !== undefined) result = 'failed';
  if (connection !== undefined) (await connection.catch(() => undefined))?.close();
  const finished = Date.now();
  return {
    id: randomUUID(),
    plan: planName,
    trigger: options.trigger ?? 'manual',
    attempt: options.attempt ?? 1,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    result,
    ...(snapshot !== undefined && { snapshot }),
    bytes,
    bytesAdded,
    forgotten,
    prunedBytes,
    replicated,
    ...(history !== undefined && { history }),
    ...(leftToOthers.length > 0 && { leftToOthers }),
    hooks,
    warnings,
    ...(error !== undefined && { error }),
  };
}

/**
 * The history step: only a completed snapshot is exported — in a partial one, a type that
 * could not be read would show as every object of it deleted. Its failure fails the step,
 * not the backup, which is already safe.
 */
async function exportPlanHistory(repository: Repository, snapshot: StoredSnapshot, planName: string, plan: PlanConfig & { history: HistoryConfig }, log: (message: string) => void, signal: AbortSignal | undefined): Promise<HistoryRun> {
  const settings = planHistorySettings(planName, plan);
  const empty = { path: settings.path, changed: false, added: 0, removed: 0, changedObjects: 0 };
  if (snapshot.result !== 'completed') return { ...empty, error: `not exported: snapshot ${snapshot.id.slice(0, 8)} is ${snapshot.result}, and what it misses would read as deleted` };
  log(`plan ${planName}: exporting history to ${settings.path}`);
  try {
    const done = await exportHistory(repository, snapshot, settings, { log, ...(signal && { signal }) });
    for (const warning of done.warnings) log(`plan ${planName}: ${warning}`);
    return {
      ...empty,
      changed: done.changed,
      ...(done.tag !== undefined && { tag: done.tag }),
      ...(done.commit !== undefined && { commit: done.commit }),
      added: done.changed ? done.facts.added : 0,
      removed: done.changed ? done.facts.removed : 0,
      changedObjects: done.changed ? done.facts.changed : 0,
      ...(done.push !== undefined && { pushed: done.push.pushed, unpushed: done.push.unpushed }),
      ...(done.push?.error !== undefined && { pushError: `push to ${settings.remote?.url ?? 'the remote'}: ${done.push.error}` }),
    };
  } catch (error) {
    return { ...empty, error: describe(error) };
  }
}

/** Copies every snapshot of the plan that the target lacks; returns how many were copied. */
async function replicate(config: Config, source: Repository, planName: string, targetName: string): Promise<{ copied: number }> {
  const choice = configuredRepository(config, targetName);
  const target = await openRepository(choice.address, choice.credentials);
  try {
    const mine = (await listSnapshots(source)).snapshots.filter((s) => s.plan === planName);
    const results = await copySnapshots(source, target, mine);
    return { copied: results.filter((r) => r.status === 'copied').length };
  } finally {
    await target.backend.close?.();
  }
}
