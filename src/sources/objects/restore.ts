/**
 * `strata restore --objects`: read the snapshot's objects, plan (pure; what `--dry-run`
 * prints), then apply the plan to the cluster, for real or as a server-side dry run.
 */
import { planRestore, renderPlan, type PlanInput, type RestoreOptions, type RestorePlan } from '../../core/objects/plan.ts';
import { formatSeconds, perSecond } from '../../core/format.ts';
import type { KubeHttp } from '../../kube/http.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { PlannedRestore, RestoreContext, RestoreOutcome } from '../source.ts';
import { PlanApplier, type ApplyOptions, type ItemAction, type ItemResult } from './apply.ts';
import { indexOtherVersions, readObjects, StoredObjects } from './read.ts';
import { objectKey } from '../../core/objects/types.ts';
import { requireObjectsRecord } from './record.ts';

export interface ObjectsRestoreOptions extends RestoreOptions {
  readonly http: KubeHttp;
  /** Send every request as a server-side dry run: the target checks everything, nothing changes. */
  readonly serverDryRun: boolean;
  readonly apply: Omit<ApplyOptions, 'serverDryRun'>;
}

export async function loadPlanInputs(repository: Repository, snapshot: StoredSnapshot): Promise<PlanInput[]> {
  const record = requireObjectsRecord(snapshot);
  const others = await indexOtherVersions(repository, snapshot.tree, record);
  const inputs: PlanInput[] = [];
  const objects = new StoredObjects(repository);
  for await (const stored of readObjects(repository, snapshot.tree, record)) {
    const versions = others.get(objectKey(stored.type, stored.object.metadata.namespace, stored.object.metadata.name));
    if (versions === undefined) inputs.push(stored);
    else inputs.push({ ...stored, otherVersions: new Map(await Promise.all([...versions].map(async ([version, entry]) => [version, await objects.load(entry)] as const))) });
  }
  return inputs;
}

export async function planObjectsRestore({ repository, snapshot, progress }: RestoreContext, options: ObjectsRestoreOptions): Promise<PlannedRestore> {
  const plan = planRestore(await loadPlanInputs(repository, snapshot), options);
  return {
    text: renderPlan(plan),
    json: { snapshot: snapshot.id, dryRun: 'client', plan },
    async apply() {
      const started = Date.now();
      const applier = new PlanApplier(options.http, { ...options.apply, serverDryRun: options.serverDryRun });
      const p = applier.progress;
      progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] ${p.stage}: ${p.done} of ${p.total} objects, ${p.failed} failed, ${perSecond(p.done, elapsedMs).toFixed(0)} objects/s`);
      const results = await applier.apply(plan);
      return outcomeOf(snapshot, plan, results, options.serverDryRun, (Date.now() - started) / 1000);
    },
  };
}

function outcomeOf(snapshot: StoredSnapshot, plan: RestorePlan, results: readonly ItemResult[], serverDryRun: boolean, seconds: number): RestoreOutcome {
  const counts: Record<ItemAction, number> = { created: 0, updated: 0, unchanged: 0, rebound: 0, skipped: 0, failed: 0 };
  for (const r of results) counts[r.action]++;
  const verb = serverDryRun ? 'server dry-run of' : 'restored';
  const lines = [
    `${verb} snapshot ${snapshot.id.slice(0, 8)}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.rebound} rebound, ${counts.skipped} skipped, ${counts.failed} failed in ${seconds.toFixed(1)}s${serverDryRun ? ' (nothing was changed)' : ''}`,
    ...results.filter((r) => r.action === 'skipped' || r.action === 'failed' || r.action === 'rebound' || (serverDryRun && r.action === 'updated')).map((r) => `  ${r.action.padEnd(8)} ${r.key}: ${r.reason ?? ''}`),
    ...Object.entries(plan.excluded).sort().map(([reason, count]) => `  not restored: ${count} (${reason})`),
    ...(plan.leftToTarget.length > 0 ? [`  left to the target: ${plan.leftToTarget.map((l) => l.key).join(', ')}`] : []),
  ];
  return {
    lines,
    json: { snapshot: snapshot.id, dryRun: serverDryRun ? 'server' : false, result: counts.failed > 0 ? 'partially-failed' : 'completed', counts, excluded: plan.excluded, leftToTarget: plan.leftToTarget, seconds, items: results },
    warnings: [],
    errors: [],
    ...(counts.failed > 0 && { failure: { message: `${counts.failed} object(s) could not be restored`, hint: 'see the reasons above; `--dry-run=server` checks a target without changing it' } }),
  };
}
