/**
 * `strata restore --objects`: read the snapshot's objects, plan (pure), and either return
 * the plan (client dry-run) or apply it to the cluster (for real, or as server dry-run).
 */
import { planRestore, type PlanInput, type RestoreOptions, type RestorePlan } from '../../core/objects/plan.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { Lock } from '../../repository/lock.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { PlanApplier, type ApplyOptions, type ApplyProgress, type ItemResult } from './apply.ts';
import { indexOtherVersions, loadObject, readObjects } from './read.ts';
import { objectKey } from '../../core/objects/types.ts';
import { requireObjectsRecord } from './record.ts';

export interface ObjectsRestoreRequest extends RestoreOptions {
  readonly http: KubeHttp;
  /** 'client': plan only; 'server': every request as server dry-run; undefined: apply. */
  readonly dryRun?: 'client' | 'server';
  readonly apply: Omit<ApplyOptions, 'serverDryRun'>;
  readonly onPlanned?: (plan: RestorePlan, applier: PlanApplier | undefined) => void;
}

export interface ObjectsRestoreOutcome {
  readonly plan: RestorePlan;
  /** Undefined for a client dry-run. */
  readonly results?: readonly ItemResult[];
}

export type { ApplyProgress };

export async function loadPlanInputs(repository: Repository, snapshot: StoredSnapshot): Promise<PlanInput[]> {
  const record = requireObjectsRecord(snapshot);
  const others = await indexOtherVersions(repository, snapshot.tree, record);
  const inputs: PlanInput[] = [];
  for await (const stored of readObjects(repository, snapshot.tree, record)) {
    const versions = others.get(objectKey(stored.type, stored.object.metadata.namespace, stored.object.metadata.name));
    if (versions === undefined) inputs.push(stored);
    else inputs.push({ ...stored, otherVersions: new Map(await Promise.all([...versions].map(async ([version, entry]) => [version, await loadObject(repository, entry.blob)] as const))) });
  }
  return inputs;
}

export async function restoreObjects(repository: Repository, snapshot: StoredSnapshot, request: ObjectsRestoreRequest): Promise<ObjectsRestoreOutcome> {
  const lock = await Lock.acquire(repository, 'restore', 'shared');
  let inputs: PlanInput[];
  try {
    await repository.loadIndex();
    inputs = await loadPlanInputs(repository, snapshot);
  } finally {
    await lock.release();
  }
  const plan = planRestore(inputs, request);
  if (request.dryRun === 'client') {
    request.onPlanned?.(plan, undefined);
    return { plan };
  }
  const applier = new PlanApplier(request.http, { ...request.apply, serverDryRun: request.dryRun === 'server' });
  request.onPlanned?.(plan, applier);
  const results = await applier.apply(plan);
  return { plan, results };
}
