/**
 * Whether restored workloads serve again: the namespaces' Deployments, StatefulSets, pods,
 * Services and claims listed until none is waiting (core/drill/readiness.ts) or the time is
 * up; what never did is named. Shared by the layers that restore workloads or their data.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readiness, type NamespaceObjects, type Readiness } from '../core/drill/readiness.ts';
import type { KubeObject, ResourceType } from '../core/objects/types.ts';
import type { KubeHttp } from '../kube/http.ts';
import { listPages } from '../kube/list.ts';

const POLL_MS = 1_000;
/** Waiting objects named in a failure; the rest are counted. */
const NAMED = 8;

/** Waits until what `pick` keeps of the namespaces serves; what does not is named. */
export async function serving(http: KubeHttp, namespaces: readonly string[], timeoutMs: number, signal: AbortSignal, pick?: (o: NamespaceObjects) => NamespaceObjects): Promise<string> {
  const state = await waitReady(http, namespaces, timeoutMs, signal, pick);
  const c = state.counts;
  const counted = `${c['deployments']} Deployments, ${c['statefulSets']} StatefulSets, ${c['pods']} pods, ${c['services']} Services, ${c['claims']} claims`;
  if (state.waiting.length > 0) {
    const named = state.waiting.slice(0, NAMED).map((w) => `${w.object}: ${w.reason}`).join('; ');
    throw new Error(`not ready after ${timeoutMs / 1000}s: ${named}${state.waiting.length > NAMED ? `; and ${state.waiting.length - NAMED} more` : ''} (of ${counted})`);
  }
  return `${counted} ready`;
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
