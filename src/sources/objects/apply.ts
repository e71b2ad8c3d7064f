/**
 * Applies a restore plan to a cluster: step by step, the objects of a step in parallel
 * (bounded), CRDs waited on until Established before anything else, owner references
 * re-pointed at the owners' new uids. Existing objects are skipped, updated (server-side
 * apply, forced) or failed, as asked; with server dry-run every request carries
 * dryRun=All and nothing changes. Each object gets one result with its reason.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachBounded } from '../../core/bounded.ts';
import { diffObjects } from '../../core/objects/diff.ts';
import { at } from '../../core/objects/json.ts';
import { reconciledByTarget } from '../../core/objects/made-by-cluster.ts';
import { definedType, type NodeMetadata, type PlannedItem, type RestorePlan } from '../../core/objects/plan.ts';
import { typeName, type KubeObject, type OwnerReference, type ResourceType } from '../../core/objects/types.ts';
import { discover } from '../../kube/discovery.ts';
import { apiError } from '../../kube/errors.ts';
import type { KubeHttp, KubeResponse } from '../../kube/http.ts';
import { collectionPath, objectPath } from '../../kube/resource-path.ts';
import { rebindVolume, waitBound } from './rebind.ts';

export type ExistingPolicy = 'skip' | 'update' | 'fail';

export type ItemAction = 'created' | 'updated' | 'unchanged' | 'rebound' | 'skipped' | 'failed';

export interface ItemResult {
  readonly key: string;
  readonly action: ItemAction;
  readonly reason?: string;
}

export interface ApplyOptions {
  readonly existing: ExistingPolicy;
  readonly serverDryRun: boolean;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** How long to wait for each CRD to become Established (default 60 s). */
  readonly establishTimeoutMs?: number;
  /** How long a claim whose volume was rebound may take to become Bound (default 60 s). */
  readonly bindTimeoutMs?: number;
}

export interface ApplyProgress {
  total: number;
  done: number;
  failed: number;
  stage: string;
}

const FIELD_MANAGER = 'strata';
const RETRIES = 4;
const POLL_MS = 250;

export class PlanApplier {
  readonly progress: ApplyProgress = { total: 0, done: 0, failed: 0, stage: '' };
  private readonly http: KubeHttp;
  private readonly options: ApplyOptions;
  /** Old uid → uid in the target, for owner references. */
  private readonly uids = new Map<string, string>();
  private served = new Map<string, ResourceType>();
  /** Every version the target serves of each type. */
  private servedVersions: ReadonlyMap<string, readonly string[]> = new Map();
  /** Namespaces this run creates (for server dry-run, where they never appear). */
  private readonly newNamespaces = new Set<string>();
  /** Types the plan's own CRDs define ("widgets.example.io"): a dry run cannot create them first. */
  private definedByPlan = new Set<string>();
  /** "namespace/name" of every claim the plan restores. */
  private plannedClaims = new Set<string>();

  constructor(http: KubeHttp, options: ApplyOptions) {
    this.http = http;
    this.options = options;
  }

  async apply(plan: RestorePlan): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    this.progress.total = plan.steps.reduce((sum, s) => sum + s.items.length, 0) + plan.nodes.length;
    this.plannedClaims = new Set(plan.steps.flatMap((s) => s.items.filter(isClaim).map((i) => `${i.object.metadata.namespace ?? ''}/${i.object.metadata.name}`)));
    this.definedByPlan = new Set(plan.steps.filter((s) => s.stage === 'custom resource definitions').flatMap((s) => s.items.map((i) => definedType(i.object) ?? '')));
    await this.refreshServed();
    for (const step of plan.steps) {
      this.progress.stage = step.stage;
      // Results in plan order, whatever order the requests finish in.
      const stepResults = new Map<PlannedItem, ItemResult>();
      await forEachBounded(step.items, this.options.concurrency ?? 16, async (item) => {
        this.options.signal?.throwIfAborted();
        const result = await this.applyItem(item);
        stepResults.set(item, result);
        this.progress.done++;
        if (result.action === 'failed') this.progress.failed++;
      });
      results.push(...step.items.map((item) => stepResults.get(item)!));
      if (step.stage === 'custom resource definitions') await this.afterDefinitions(step.items, [...stepResults.values()]);
    }
    this.progress.stage = 'node metadata';
    for (const node of plan.nodes) {
      const result = await this.applyNodeMetadata(node);
      results.push(result);
      this.progress.done++;
      if (result.action === 'failed') this.progress.failed++;
    }
    return results;
  }

  private async refreshServed(): Promise<void> {
    const { types, versions } = await discover(this.http);
    this.served = new Map(types.map((t) => [typeName(t), t]));
    this.servedVersions = versions;
  }

  /**
   * The object at a version the target serves: as saved, or (a backup taken --all-versions)
   * at the most preferred other version the target serves; a reason when there is none.
   */
  private atServedVersion(item: PlannedItem, served: ResourceType): { object: KubeObject; target: ResourceType } | string {
    const versions = this.servedVersions.get(typeName(item.type)) ?? [served.version];
    if (versions.includes(item.type.version)) return { object: item.object, target: { ...served, version: item.type.version } };
    const other = versions.find((v) => item.otherVersions?.has(v));
    if (other !== undefined) return { object: item.otherVersions!.get(other)!, target: { ...served, version: other } };
    const kept = item.otherVersions === undefined ? '' : ` or ${[...item.otherVersions.keys()].join(', ')}`;
    return `${typeName(item.type)}: the target serves ${versions.join(', ')}, the backup holds ${item.type.version}${kept}${item.otherVersions === undefined ? ' (a backup taken with --all-versions keeps every served version)' : ''}`;
  }

  /** The target's endpoint for the type, and the object at a version it serves. */
  private targetType(item: PlannedItem): { object: KubeObject; target: ResourceType } | string {
    const type = item.type;
    const served = this.served.get(typeName(type));
    if (served === undefined) {
      return this.definedByPlan.has(typeName(type))
        ? `${typeName(type)} is not served although this restore created its CustomResourceDefinition (it did not become established, or does not serve ${type.version})`
        : `${typeName(type)} is not served by the target cluster, and no CustomResourceDefinition in this restore defines it`;
    }
    return this.atServedVersion(item, served);
  }

  private async applyItem(item: PlannedItem): Promise<ItemResult> {
    if (this.options.serverDryRun && !this.served.has(typeName(item.type)) && this.definedByPlan.has(typeName(item.type))) {
      return { key: item.key, action: 'created', reason: 'would create after its CustomResourceDefinition (not validated: a dry run does not create the CRD)' };
    }
    const chosen = this.targetType(item);
    if (typeof chosen === 'string') return { key: item.key, action: 'failed', reason: chosen };
    const target = chosen.target;
    const object = this.withOwners(chosen.object);
    const namespace = object.metadata.namespace;
    const dryRun = this.options.serverDryRun ? 'All' : undefined;
    try {
      const volume = isClaim(item) ? at(object, 'spec')?.['volumeName'] : undefined;
      const rebinding = typeof volume === 'string' ? await rebindVolume((p, r) => this.send(p, r), volume, namespace ?? '', object.metadata.name, this.options.serverDryRun) : undefined;
      if (rebinding?.kind === 'taken') return { key: item.key, action: 'failed', reason: rebinding.reason };
      const created = await this.send(collectionPath(target, namespace), { method: 'POST', body: object, query: { dryRun, fieldManager: FIELD_MANAGER } });
      if (created.status >= 200 && created.status < 300) {
        const made = created.body as KubeObject;
        this.remember(item, made);
        if (item.type.group === '' && item.type.resource === 'namespaces') this.newNamespaces.add(object.metadata.name);
        if (rebinding?.kind === 'rebound') return await this.rebound(item, rebinding.reason);
        const status = object['status'];
        if (status === undefined || this.options.serverDryRun) return { key: item.key, action: 'created' };
        // Status is written through its own subresource; the create ignored it.
        const statusPath = `${objectPath(target, namespace, object.metadata.name)}/status`;
        const put = await this.send(statusPath, { method: 'PUT', body: { ...made, status }, query: { fieldManager: FIELD_MANAGER } });
        if (put.status >= 200 && put.status < 300) return { key: item.key, action: 'created', reason: 'status restored' };
        return { key: item.key, action: 'created', reason: `status not restored: ${apiError(statusPath, put).message}` };
      }
      const body = created.body as { reason?: string; details?: { kind?: string; name?: string } };
      if (created.status === 409 && body.reason === 'AlreadyExists') return await this.existing(item, target, object);
      if (created.status === 404 && this.options.serverDryRun && body.details?.kind === 'namespaces' && namespace !== undefined && this.newNamespaces.has(namespace)) {
        const unvalidated = `not validated: namespace ${namespace} is created by this restore`;
        if (rebinding?.kind === 'rebound') return { key: item.key, action: 'rebound', reason: `${rebinding.reason}; ${unvalidated}` };
        return { key: item.key, action: 'created', reason: unvalidated };
      }
      // Some checks run before the name is (a Service's node port "already allocated"):
      // an object that exists is judged as existing, whatever the create said.
      if (created.status !== 404 && (await this.send(objectPath(target, namespace, object.metadata.name), {})).status === 200) {
        return await this.existing(item, target, object);
      }
      return { key: item.key, action: 'failed', reason: apiError(collectionPath(target, namespace), created).message };
    } catch (error) {
      return { key: item.key, action: 'failed', reason: (error as Error).message };
    }
  }

  /** A claim whose volume was rebound: created, and waited on (bounded) until it is Bound. */
  private async rebound(item: PlannedItem, reason: string): Promise<ItemResult> {
    if (this.options.serverDryRun) return { key: item.key, action: 'rebound', reason };
    const phase = await waitBound((p, r) => this.send(p, r), item.object.metadata.namespace ?? '', item.object.metadata.name, this.options.bindTimeoutMs ?? 60_000, POLL_MS);
    if (phase === 'Bound') return { key: item.key, action: 'rebound', reason: `${reason}; Bound` };
    return { key: item.key, action: 'failed', reason: `${reason}; but the claim is ${phase}, not Bound, after ${(this.options.bindTimeoutMs ?? 60_000) / 1000}s` };
  }

  /** An object of that name exists: compare, then skip, fail or update as asked. */
  private async existing(item: PlannedItem, target: ResourceType, object: KubeObject): Promise<ItemResult> {
    const path = objectPath(target, object.metadata.namespace, object.metadata.name);
    const live = await this.send(path, {});
    if (live.status !== 200) return { key: item.key, action: 'failed', reason: `exists, but cannot be read: ${apiError(path, live).message}` };
    const liveObject = live.body as KubeObject;
    const kept = reconciledByTarget(liveObject);
    if (kept !== undefined) {
      this.remember(item, liveObject);
      return { key: item.key, action: 'unchanged', reason: kept };
    }
    const waiting = releasedFor(item, liveObject);
    if (waiting !== undefined && this.plannedClaims.has(waiting)) {
      this.remember(item, liveObject);
      return { key: item.key, action: 'rebound', reason: `${String(at(liveObject, 'status')?.['phase'])} with the deleted claim's uid: the restored claim ${waiting} takes it back (its stale uid is cleared when the claim is created)` };
    }
    // Fields the backup names and the live object holds differently; what the server
    // added (defaults, allocated IPs) is not a difference.
    const differs = diffObjects(liveObject, object).filter((c) => c.after !== undefined).map((c) => c.path);
    this.remember(item, liveObject);
    if (differs.length === 0) return { key: item.key, action: 'unchanged', reason: 'exists and matches the backup' };
    const what = `exists and differs in ${differs.slice(0, 5).join(', ')}${differs.length > 5 ? ` and ${differs.length - 5} more` : ''}`;
    if (this.options.existing === 'skip') return { key: item.key, action: 'skipped', reason: what };
    if (this.options.existing === 'fail') return { key: item.key, action: 'failed', reason: `${what} (--existing fail)` };
    const patched = await this.send(path, {
      method: 'PATCH',
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: 'true', dryRun: this.options.serverDryRun ? 'All' : undefined },
    });
    if (patched.status >= 200 && patched.status < 300) return { key: item.key, action: 'updated', reason: what };
    return { key: item.key, action: 'failed', reason: `${what}; update refused: ${apiError(path, patched).message}` };
  }

  /** Owner references pointing at owners restored (or found) in this run carry their new uid. */
  private withOwners(object: KubeObject): KubeObject {
    const refs = object.metadata.ownerReferences;
    if (refs === undefined) return object;
    const kept: OwnerReference[] = [];
    for (const ref of refs) {
      const uid = this.uids.get(ref.uid);
      if (uid !== undefined) kept.push({ ...ref, uid });
    }
    const metadata: Record<string, unknown> = { ...object.metadata };
    if (kept.length === 0) delete metadata['ownerReferences'];
    else metadata['ownerReferences'] = kept;
    return { ...object, metadata: metadata as KubeObject['metadata'] };
  }

  private remember(item: PlannedItem, object: KubeObject): void {
    if (item.uid !== undefined && object.metadata.uid !== undefined) this.uids.set(item.uid, object.metadata.uid);
  }

  /** Waits until every CRD of the step is Established and its type is served, then reads discovery again. */
  private async afterDefinitions(items: readonly PlannedItem[], results: readonly ItemResult[]): Promise<void> {
    if (this.options.serverDryRun) return;
    const applied = new Set(results.filter((r) => r.action !== 'failed').map((r) => r.key));
    const deadline = Date.now() + (this.options.establishTimeoutMs ?? 60_000);
    const pending = items.filter((i) => applied.has(i.key));
    for (const item of pending) {
      const path = objectPath(this.served.get(typeName(item.type)) ?? item.type, undefined, item.object.metadata.name);
      while (Date.now() < deadline) {
        const response = await this.send(path, {});
        const conditions = ((response.body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions) ?? [];
        if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
        await sleep(POLL_MS);
      }
    }
    const wanted = pending.map((i) => definedType(i.object) ?? '');
    while (Date.now() < deadline) {
      await this.refreshServed();
      if (wanted.every((name) => this.served.has(name))) return;
      await sleep(POLL_MS);
    }
  }

  private async applyNodeMetadata(node: NodeMetadata): Promise<ItemResult> {
    const key = `nodes/${node.name}`;
    const path = `/api/v1/nodes/${encodeURIComponent(node.name)}`;
    try {
      const live = await this.send(path, {});
      if (live.status === 404) return { key, action: 'skipped', reason: 'no node of that name in the target' };
      if (live.status !== 200) return { key, action: 'failed', reason: apiError(path, live).message };
      const patch = { metadata: { labels: node.labels, annotations: node.annotations }, spec: { taints: node.taints } };
      const patched = await this.send(path, {
        method: 'PATCH', body: patch, contentType: 'application/merge-patch+json',
        query: { dryRun: this.options.serverDryRun ? 'All' : undefined, fieldManager: FIELD_MANAGER },
      });
      if (patched.status >= 200 && patched.status < 300) return { key, action: 'updated', reason: 'labels, annotations and taints put back' };
      return { key, action: 'failed', reason: apiError(path, patched).message };
    } catch (error) {
      return { key, action: 'failed', reason: (error as Error).message };
    }
  }

  /** One request, retried on throttling, server errors and dropped connections. */
  private async send(path: string, request: Parameters<KubeHttp['request']>[1]): Promise<KubeResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.http.request(path, { ...request, ...(this.options.signal && { signal: this.options.signal }) });
        const retryable = response.status === 429 || response.status === 500 || response.status === 503 || response.status === 504;
        if (!retryable || attempt >= RETRIES) return response;
      } catch (error) {
        if (attempt >= RETRIES || this.options.signal?.aborted) throw error;
      }
      await sleep(200 * 2 ** attempt);
    }
  }
}

const isClaim = (item: PlannedItem): boolean => item.type.group === '' && item.type.resource === 'persistentvolumeclaims';

/** The claim ("namespace/name") a Released or Available volume still names with a stale uid. */
function releasedFor(item: PlannedItem, live: KubeObject): string | undefined {
  if (item.type.group !== '' || item.type.resource !== 'persistentvolumes') return undefined;
  const phase = at(live, 'status')?.['phase'];
  const claimRef = at(live, 'spec', 'claimRef');
  if ((phase !== 'Released' && phase !== 'Available') || claimRef?.['uid'] === undefined) return undefined;
  return `${String(claimRef['namespace'])}/${String(claimRef['name'])}`;
}
