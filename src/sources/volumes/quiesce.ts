/**
 * Stops what uses a claim before its volume is overwritten in place, and starts it again
 * afterwards: Deployments, StatefulSets and ReplicaSets are scaled to zero through their
 * scale subresource, CronJobs are suspended; then Strata waits until no pod names the
 * claim. A DaemonSet, a Job or a bare pod cannot be stopped that way: the restore is refused,
 * naming it, before anything changes. `resume` puts every replica count and suspend flag back.
 */
import { OperationError, UsageError } from '../../core/errors.ts';
import { holdExit, interruption } from '../../programs/interruption.ts';
import { resolveVolumes } from '../../core/volumes/resolve.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { readInventory } from './inventory.ts';

const PATHS: Readonly<Record<string, string>> = {
  Deployment: '/apis/apps/v1/namespaces/NS/deployments/NAME',
  StatefulSet: '/apis/apps/v1/namespaces/NS/statefulsets/NAME',
  ReplicaSet: '/apis/apps/v1/namespaces/NS/replicasets/NAME',
  CronJob: '/apis/batch/v1/namespaces/NS/cronjobs/NAME',
};

const MERGE_PATCH = 'application/merge-patch+json';

export interface Quiesced {
  /** What was stopped, as "Deployment/web (2 replicas)". */
  readonly stopped: readonly string[];
  resume(): Promise<void>;
}

function path(kind: string, namespace: string, name: string): string {
  return PATHS[kind]!.replace('NS', encodeURIComponent(namespace)).replace('NAME', encodeURIComponent(name));
}

async function podsUsing(http: KubeHttp, namespace: string, claim: string): Promise<string[]> {
  const inventory = await readInventory(http, { claims: [{ namespace, name: claim }] });
  const [volume] = resolveVolumes(inventory, { claims: [{ namespace, name: claim }] }).volumes;
  return [...(volume?.pods ?? [])];
}

export async function quiesceClaim(http: KubeHttp, namespace: string, claim: string, options: { timeoutMs: number }): Promise<Quiesced> {
  const inventory = await readInventory(http, { claims: [{ namespace, name: claim }] });
  const [volume] = resolveVolumes(inventory, { claims: [{ namespace, name: claim }] }).volumes;
  const users = (volume?.workloads ?? []).map((w) => {
    const [kind = '', name = ''] = w.split('/');
    return { kind, name };
  });
  const unstoppable = users.find((u) => PATHS[u.kind] === undefined);
  if (unstoppable !== undefined) {
    throw new UsageError(`--in-place ${namespace}/${claim}: ${unstoppable.kind} ${namespace}/${unstoppable.name} uses it and cannot be scaled to zero`, { hint: 'stop it by hand and retry, or restore to a new image (without --in-place)' });
  }
  const owned = new Set(inventory.pods.filter((p) => (p.metadata.ownerReferences?.length ?? 0) > 0).map((p) => p.metadata.name));
  const bare = (volume?.pods ?? []).find((p) => !owned.has(p));
  if (bare !== undefined) throw new UsageError(`--in-place ${namespace}/${claim}: pod ${namespace}/${bare} uses it and has no controller to scale down`, { hint: 'delete the pod, then retry' });

  const undo: (() => Promise<unknown>)[] = [];
  const stopped: string[] = [];
  // Until everything runs again, an interrupted Strata waits for this (or prints the commands).
  const byHand: string[] = [];
  const release = holdExit({ what: `starting again what uses ${namespace}/${claim}`, byHand });
  const resume = async () => {
    const errors: string[] = [];
    for (const step of undo.reverse()) await step().catch((error: unknown) => errors.push((error as Error).message));
    undo.length = 0;
    if (errors.length > 0) throw new OperationError(`could not start again what uses ${namespace}/${claim}: ${errors.join('; ')}`, { hint: `by hand: ${byHand.join('; ')}` });
    release();
  };
  try {
    for (const user of users) {
      const at = path(user.kind, namespace, user.name);
      if (user.kind === 'CronJob') {
        const job = await http.json<{ spec: { suspend?: boolean } }>(at);
        if (job.spec.suspend === true) continue;
        await http.json(at, { method: 'PATCH', contentType: MERGE_PATCH, body: { spec: { suspend: true } } });
        undo.push(() => http.json(at, { method: 'PATCH', contentType: MERGE_PATCH, body: { spec: { suspend: false } } }));
        stopped.push(`CronJob/${user.name} (suspended)`);
        byHand.push(`kubectl -n ${namespace} patch cronjob/${user.name} --type=merge -p '{"spec":{"suspend":false}}'`);
        continue;
      }
      const scale = await http.json<{ spec: { replicas?: number } }>(`${at}/scale`);
      const replicas = scale.spec.replicas ?? 0;
      if (replicas === 0) continue;
      await http.json(`${at}/scale`, { method: 'PATCH', contentType: MERGE_PATCH, body: { spec: { replicas: 0 } } });
      undo.push(() => http.json(`${at}/scale`, { method: 'PATCH', contentType: MERGE_PATCH, body: { spec: { replicas } } }));
      stopped.push(`${user.kind}/${user.name} (${replicas} replica${replicas === 1 ? '' : 's'})`);
      byHand.push(`kubectl -n ${namespace} scale ${user.kind.toLowerCase()}/${user.name} --replicas=${replicas}`);
    }
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      interruption.throwIfAborted();
      const pods = await podsUsing(http, namespace, claim);
      if (pods.length === 0) break;
      if (Date.now() > deadline) throw new OperationError(`--in-place ${namespace}/${claim}: pods still use it after ${Math.round(options.timeoutMs / 1000)}s: ${pods.join(', ')}`, { hint: 'they are being stopped; retry when they are gone, or raise --wait' });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } catch (error) {
    await resume();
    throw error;
  }
  return { stopped, resume };
}
