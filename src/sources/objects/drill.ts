/**
 * The objects layer of a drill: each backed-up namespace restored into its scratch copy
 * (NAMESPACE + the plan's suffix) through the namespace mapping, classes mapped as the plan
 * says, claims given new volumes, only the cluster-scoped objects the namespaces need; then
 * a bounded wait until the copy serves (core/drill/readiness.ts), naming what never did.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DrillStep } from '../../core/drill/report.ts';
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
  if (restored) {
    await drillStep(steps, 'wait until the copy serves', async () => {
      const state = await waitReady(http, [...mapping.values()], timeoutMs, signal);
      const c = state.counts;
      const counted = `${c['deployments']} Deployments, ${c['statefulSets']} StatefulSets, ${c['pods']} pods, ${c['services']} Services, ${c['claims']} claims`;
      if (state.waiting.length > 0) {
        const named = state.waiting.slice(0, NAMED).map((w) => `${w.object}: ${w.reason}`).join('; ');
        throw new Error(`not ready after ${timeoutMs / 1000}s: ${named}${state.waiting.length > NAMED ? `; and ${state.waiting.length - NAMED} more` : ''} (of ${counted})`);
      }
      return `${counted} ready`;
    });
  }
  return { detail, steps };
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

/** Lists the namespaces' workloads until none is waiting or the time is up; returns the last look. */
async function waitReady(http: KubeHttp, namespaces: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const objects = Object.fromEntries(await Promise.all(Object.entries(TYPES).map(async ([key, t]) => [key, await listAll(http, t, namespaces, signal)] as const))) as unknown as NamespaceObjects;
    const state = readiness(objects);
    if (state.waiting.length === 0 || Date.now() >= deadline) return state;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())), undefined, { signal });
  }
}
