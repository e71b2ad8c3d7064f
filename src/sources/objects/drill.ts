/**
 * The objects layer of a drill: each backed-up namespace restored into its scratch copy
 * (NAMESPACE + the plan's suffix) through the namespace mapping, classes mapped as the plan
 * says, claims given new volumes, only the cluster-scoped objects the namespaces need; then
 * a bounded wait until the copy serves (core/drill/readiness.ts), naming what never did.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DrillStep } from '../../core/drill/report.ts';
import { workloadObjects, type WorkloadRef } from '../../core/drill/workload.ts';
import { NO_MAPPINGS } from '../../core/objects/mapping.ts';
import { apiError } from '../../kube/errors.ts';
import { objectPath } from '../../kube/resource-path.ts';
import { readiness, type NamespaceObjects, type Readiness } from '../../core/drill/readiness.ts';
import { scratchNamespace } from '../../core/drill/scratch.ts';
import { globMatches } from '../../core/objects/filters.ts';
import { planRestore, type PlanInput } from '../../core/objects/plan.ts';
import { SYSTEM_NAMESPACES, type KubeObject, type ResourceType } from '../../core/objects/types.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { listPages } from '../../kube/list.ts';
import { drillStep } from '../drill-step.ts';
import type { DrillContext, DrillOutcome } from '../source.ts';
import { PlanApplier } from './apply.ts';
import { loadPlanInputs } from './restore.ts';

const POLL_MS = 1_000;
/** Waiting objects named in a failure; the rest are counted. */
const NAMED = 8;

/** The namespaces of the snapshot a drill restores: those the plan names (globs), else all but the system ones. */
export function drilledNamespaces(inputs: readonly PlanInput[], wanted: readonly string[] | undefined): string[] {
  const all = new Set<string>();
  for (const { type, object } of inputs) {
    if (type.namespaced && object.metadata.namespace !== undefined) all.add(object.metadata.namespace);
    if (type.group === '' && type.resource === 'namespaces') all.add(object.metadata.name);
  }
  return [...all].filter((ns) => (wanted === undefined ? !SYSTEM_NAMESPACES.has(ns) : wanted.some((glob) => globMatches(glob, ns)))).sort();
}

export async function drillObjects(context: DrillContext): Promise<DrillOutcome> {
  const { repository, snapshot, settings, scratch, signal, timeoutMs } = context;
  const steps: DrillStep[] = [];
  const http = await context.kube();
  let inputs: PlanInput[] = [];
  let namespaces: string[] = [];
  const mapping = new Map<string, string>();
  let detail = '';
  const restored = await drillStep(steps, 'choose namespaces and their scratch copies', async () => {
    inputs = await loadPlanInputs(repository, snapshot);
    namespaces = drilledNamespaces(inputs, settings.namespaces);
    if (namespaces.length === 0) throw new Error(settings.namespaces === undefined ? 'the snapshot holds no namespace outside the system ones' : `no namespace of the snapshot matches drill.namespaces ${settings.namespaces.join(', ')}`);
    for (const ns of namespaces) mapping.set(ns, scratchNamespace(ns, settings.suffix));
    for (const copy of mapping.values()) await scratch.namespace(http, copy);
    return [...mapping].map(([from, to]) => `${from} → ${to}`).join(', ');
  })
    && await drillStep(steps, 'restore the objects', async () => {
      const plan = planRestore(inputs, {
        filters: { includeNamespaces: namespaces, excludeNamespaces: [], includeResources: [], excludeResources: [], clusterScoped: 'auto' },
        mappings: { namespaces: mapping, storageClasses: new Map(Object.entries(settings.storageClassMapping)) },
        keepStatus: false,
        preserveClusterIps: false,
        restoreNodeMetadata: false,
        copy: { labels: scratch.labels },
      });
      const results = await new PlanApplier(http, { existing: 'skip', serverDryRun: false, concurrency: 16, signal }).apply(plan);
      const failed = results.filter((r) => r.action === 'failed');
      const created = results.filter((r) => r.action === 'created').length;
      if (failed.length > 0) throw new Error(`${failed.length} of ${results.length} objects failed: ${failed.slice(0, NAMED).map((r) => `${r.key}: ${r.reason ?? ''}`).join('; ')}`);
      detail = `${created} objects in ${mapping.size} namespace(s)`;
      return `${created} created, ${results.length - created} skipped (they exist: the scratch namespaces, cluster-scoped types)`;
    });
  if (restored) await drillStep(steps, 'wait until the copy serves', () => serving(http, [...mapping.values()], timeoutMs, signal));
  return { detail, steps };
}

/** Waits until what `pick` keeps of the namespaces serves; what does not is named. */
async function serving(http: KubeHttp, namespaces: readonly string[], timeoutMs: number, signal: AbortSignal, pick?: (o: NamespaceObjects) => NamespaceObjects): Promise<string> {
  const state = await waitReady(http, namespaces, timeoutMs, signal, pick);
  const c = state.counts;
  const counted = `${c['deployments']} Deployments, ${c['statefulSets']} StatefulSets, ${c['pods']} pods, ${c['services']} Services, ${c['claims']} claims`;
  if (state.waiting.length > 0) {
    const named = state.waiting.slice(0, NAMED).map((w) => `${w.object}: ${w.reason}`).join('; ');
    throw new Error(`not ready after ${timeoutMs / 1000}s: ${named}${state.waiting.length > NAMED ? `; and ${state.waiting.length - NAMED} more` : ''} (of ${counted})`);
  }
  return `${counted} ready`;
}

/**
 * The chaos day: the workload is found in the snapshot first (nothing is deleted when it is
 * not there), deleted with its dependents (foreground: its pods are gone before it is),
 * restored alone from the snapshot into its own namespace, and waited on until it and the
 * Services selecting it serve again.
 */
export async function drillObjectsInPlace(context: DrillContext, workload: WorkloadRef): Promise<DrillOutcome> {
  const { repository, snapshot, signal, timeoutMs } = context;
  const http = await context.kube();
  const steps: DrillStep[] = [];
  const name = `${workload.kind} ${workload.namespace}/${workload.name}`;
  let stored: PlanInput | undefined;
  const done = await drillStep(steps, `find ${name} in the snapshot`, async () => {
    stored = (await loadPlanInputs(repository, snapshot)).find((i) => i.type.group === 'apps' && i.type.kind === workload.kind && i.object.metadata.namespace === workload.namespace && i.object.metadata.name === workload.name);
    if (stored === undefined) throw new Error(`snapshot ${snapshot.id.slice(0, 8)} does not hold ${name}: nothing was deleted`);
    return `${stored.type.group}/${stored.type.version}`;
  })
    && await drillStep(steps, `delete ${name}`, () => deleteAndWait(http, objectPath(stored!.type, workload.namespace, workload.name), timeoutMs, signal))
    && await drillStep(steps, `restore ${name} from snapshot ${snapshot.id.slice(0, 8)}`, async () => {
      const plan = planRestore([stored!], {
        filters: { includeNamespaces: [workload.namespace], excludeNamespaces: [], includeResources: [], excludeResources: [], clusterScoped: false },
        mappings: NO_MAPPINGS, keepStatus: false, preserveClusterIps: false, restoreNodeMetadata: false,
      });
      const [result] = await new PlanApplier(http, { existing: 'fail', serverDryRun: false, signal }).apply(plan);
      if (result?.action !== 'created') throw new Error(`${result?.key ?? name}: ${result?.action ?? 'not in the plan'}${result?.reason === undefined ? '' : `: ${result.reason}`}`);
      return `${result.key} created`;
    });
  if (done) await drillStep(steps, 'wait until it serves', () => serving(http, [workload.namespace], timeoutMs, signal, (o) => workloadObjects(o, workload)));
  return { detail: name, steps };
}

async function deleteAndWait(http: KubeHttp, path: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const response = await http.request(path, { method: 'DELETE', query: { propagationPolicy: 'Foreground' } });
  if (response.status === 404) return 'it was not there';
  if (response.status >= 300) throw apiError(path, response);
  const started = Date.now();
  while ((await http.request(path, { signal })).status !== 404) {
    if (Date.now() - started > timeoutMs) throw new Error(`still there after ${timeoutMs / 1000}s (a finalizer holds it?)`);
    await sleep(250, undefined, { signal });
  }
  return `gone with its pods in ${((Date.now() - started) / 1000).toFixed(1)}s`;
}

const type = (group: string, resource: string, kind: string): ResourceType => ({ group, version: 'v1', resource, kind, namespaced: true, verbs: ['list'] });
const TYPES = {
  deployments: type('apps', 'deployments', 'Deployment'),
  statefulSets: type('apps', 'statefulsets', 'StatefulSet'),
  pods: type('', 'pods', 'Pod'),
  services: type('', 'services', 'Service'),
  endpointSlices: type('discovery.k8s.io', 'endpointslices', 'EndpointSlice'),
  claims: type('', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
} as const;

async function listAll(http: KubeHttp, resource: ResourceType, namespaces: readonly string[], signal: AbortSignal): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  for (const namespace of namespaces) for await (const page of listPages(http, resource, { namespace, signal })) items.push(...page);
  return items;
}

/** Lists the namespaces' workloads (those `pick` keeps) until none is waiting or the time is up; returns the last look. */
async function waitReady(http: KubeHttp, namespaces: readonly string[], timeoutMs: number, signal: AbortSignal, pick = (o: NamespaceObjects) => o): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const objects = Object.fromEntries(await Promise.all(Object.entries(TYPES).map(async ([key, t]) => [key, await listAll(http, t, namespaces, signal)] as const))) as unknown as NamespaceObjects;
    const state = readiness(pick(objects));
    if (state.waiting.length === 0 || Date.now() >= deadline) return state;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())), undefined, { signal });
  }
}
