/**
 * The objects layer of a drill: each backed-up namespace restored into its scratch copy
 * (NAMESPACE + the plan's suffix) through the namespace mapping, classes mapped as the plan
 * says, claims given new volumes, only the cluster-scoped objects the namespaces need; then
 * a bounded wait until the copy serves (core/drill/readiness.ts), naming what never did.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DrillStep } from '../../core/drill/report.ts';
import { workloadClaims, workloadObjects, type InPlaceTarget } from '../../core/drill/workload.ts';
import { NO_MAPPINGS } from '../../core/objects/mapping.ts';
import { apiError } from '../../kube/errors.ts';
import { objectPath } from '../../kube/resource-path.ts';
import { scratchNamespace } from '../../core/drill/scratch.ts';
import { globMatches } from '../../core/objects/filters.ts';
import { planRestore, type PlanInput } from '../../core/objects/plan.ts';
import { SYSTEM_NAMESPACES } from '../../core/objects/types.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { drillStep } from '../drill-step.ts';
import { serving } from '../drill-serving.ts';
import type { DrillContext, DrillOutcome } from '../source.ts';
import { PlanApplier } from './apply.ts';
import { loadPlanInputs } from './restore.ts';

/** Failed objects named in a failure; the rest are counted. */
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

/**
 * The chaos day: the workload is found in the snapshot first (nothing is deleted when it is
 * not there), deleted with its dependents (foreground: its pods are gone before it is) and,
 * with data, its claims after it — only when the snapshot holds the data of each, else
 * nothing is deleted; then restored from the snapshot into its own namespace (claims with new
 * volumes, which the volumes layer fills) and waited on until it and the Services selecting
 * it serve again.
 */
export async function drillObjectsInPlace(context: DrillContext, target: InPlaceTarget): Promise<DrillOutcome> {
  const { repository, snapshot, signal, timeoutMs } = context;
  const { workload, withData } = target;
  const http = await context.kube();
  const steps: DrillStep[] = [];
  const name = `${workload.kind} ${workload.namespace}/${workload.name}`;
  let stored: PlanInput | undefined;
  let claims: PlanInput[] = [];
  const done = await drillStep(steps, `find ${name} in the snapshot`, async () => {
    const inputs = await loadPlanInputs(repository, snapshot);
    stored = inputs.find((i) => i.type.group === 'apps' && i.type.kind === workload.kind && i.object.metadata.namespace === workload.namespace && i.object.metadata.name === workload.name);
    if (stored === undefined) throw new Error(`snapshot ${snapshot.id.slice(0, 8)} does not hold ${name}: nothing was deleted`);
    if (withData === undefined) return `${stored.type.group}/${stored.type.version}`;
    const names = workloadClaims(stored.object);
    claims = inputs.filter((i) => i.type.group === '' && i.type.resource === 'persistentvolumeclaims' && i.object.metadata.namespace === workload.namespace && names.includes(i.object.metadata.name))
      .sort((a, b) => (a.object.metadata.name < b.object.metadata.name ? -1 : 1));
    const unsafe = names.filter((c) => !claims.some((i) => i.object.metadata.name === c) || !withData.claims.has(`${workload.namespace}/${c}`));
    if (unsafe.length > 0) throw new Error(`snapshot ${snapshot.id.slice(0, 8)} does not hold the claim and data of ${unsafe.map((c) => `${workload.namespace}/${c}`).join(', ')}: nothing was deleted (back them up with a volumes source, or drill without --with-data)`);
    return `${stored.type.group}/${stored.type.version}, with claims ${names.join(', ') || 'none'}`;
  })
    && await drillStep(steps, `delete ${name}`, () => deleteAndWait(http, objectPath(stored!.type, workload.namespace, workload.name), timeoutMs, signal))
    && (claims.length === 0 || await drillStep(steps, `delete its claims`, async () => {
      for (const claim of claims) await deleteAndWait(http, objectPath(claim.type, workload.namespace, claim.object.metadata.name), timeoutMs, signal);
      return claims.map((c) => c.object.metadata.name).join(', ');
    }))
    && await drillStep(steps, `restore ${name} from snapshot ${snapshot.id.slice(0, 8)}`, async () => {
      const plan = planRestore([...claims, stored!], {
        filters: { includeNamespaces: [workload.namespace], excludeNamespaces: [], includeResources: [], excludeResources: [], clusterScoped: false },
        mappings: NO_MAPPINGS, keepStatus: false, preserveClusterIps: false, restoreNodeMetadata: false,
        // Claims get new volumes: the old ones went with them.
        ...(claims.length > 0 && { copy: { labels: {} } }),
      });
      const results = await new PlanApplier(http, { existing: 'fail', serverDryRun: false, signal }).apply(plan);
      const failed = results.filter((r) => r.action !== 'created');
      if (failed.length > 0 || results.length === 0) throw new Error(failed.map((r) => `${r.key}: ${r.action}${r.reason === undefined ? '' : `: ${r.reason}`}`).join('; ') || `${name}: not in the plan`);
      return `${results.map((r) => r.key).join(', ')} created`;
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

