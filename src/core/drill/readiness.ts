/**
 * Whether a restored namespace serves (seed 004's "pods Running, endpoints OK"): Deployments
 * Available with every replica updated and available, StatefulSets with every replica
 * ready, pods Running (or Succeeded, for a Job's), Services with a selector backed by a
 * ready endpoint, claims Bound. Pure: the drill lists the objects and asks again until
 * nothing is waiting or its time is up; then each waiting object is named with why.
 */
import { at, listAt, type Json } from '../objects/json.ts';
import type { KubeObject } from '../objects/types.ts';

export interface NamespaceObjects {
  readonly deployments: readonly KubeObject[];
  readonly statefulSets: readonly KubeObject[];
  readonly pods: readonly KubeObject[];
  readonly services: readonly KubeObject[];
  /** discovery.k8s.io/v1 EndpointSlices. */
  readonly endpointSlices: readonly KubeObject[];
  readonly claims: readonly KubeObject[];
}

export interface Waiting {
  /** "Deployment shop-restore/web". */
  readonly object: string;
  readonly reason: string;
}

export interface Readiness {
  /** How many objects were looked at, by kind. */
  readonly counts: Readonly<Record<string, number>>;
  readonly waiting: readonly Waiting[];
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const name = (kind: string, o: KubeObject): string => `${kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function condition(o: KubeObject, type: string): Json | undefined {
  return listAt(o, 'status', 'conditions').find((c) => c['type'] === type);
}

export function deploymentWaiting(d: KubeObject): string | undefined {
  const wanted = at(d, 'spec')?.['replicas'] === undefined ? 1 : num(at(d, 'spec')?.['replicas']);
  const status = at(d, 'status') ?? {};
  const available = condition(d, 'Available');
  const progressing = condition(d, 'Progressing');
  if (progressing?.['reason'] === 'ProgressDeadlineExceeded') return `progress deadline exceeded: ${String(progressing['message'] ?? '')}`;
  if (num(status['updatedReplicas']) < wanted || num(status['availableReplicas']) < wanted) return `${num(status['availableReplicas'])} of ${wanted} replicas available, ${num(status['updatedReplicas'])} updated`;
  if (wanted > 0 && available?.['status'] !== 'True') return `not Available${available?.['message'] === undefined ? '' : `: ${String(available['message'])}`}`;
  return undefined;
}

export function statefulSetWaiting(s: KubeObject): string | undefined {
  const wanted = at(s, 'spec')?.['replicas'] === undefined ? 1 : num(at(s, 'spec')?.['replicas']);
  const ready = num(at(s, 'status')?.['readyReplicas']);
  return ready < wanted ? `${ready} of ${wanted} replicas ready` : undefined;
}

/** Why a pod is not Running: the first container's waiting or terminated reason when there is one. */
export function podWaiting(p: KubeObject): string | undefined {
  const phase = at(p, 'status')?.['phase'];
  const owners = p.metadata.ownerReferences ?? [];
  if (phase === 'Running' || (phase === 'Succeeded' && owners.some((o) => o.kind === 'Job'))) return undefined;
  for (const c of [...listAt(p, 'status', 'initContainerStatuses'), ...listAt(p, 'status', 'containerStatuses')]) {
    const state = (c['state'] ?? {}) as Json;
    const waiting = state['waiting'] as Json | undefined;
    const terminated = state['terminated'] as Json | undefined;
    const why = waiting ?? terminated;
    if (why?.['reason'] !== undefined) return `${String(phase ?? 'Pending')}: container ${String(c['name'])} ${String(why['reason'])}${why['message'] === undefined ? '' : ` (${String(why['message'])})`}`;
  }
  const scheduled = condition(p, 'PodScheduled');
  if (scheduled?.['status'] === 'False') return `not scheduled: ${String(scheduled['message'] ?? scheduled['reason'] ?? '')}`;
  return `${String(phase ?? 'Pending')}`;
}

export function claimWaiting(c: KubeObject): string | undefined {
  const phase = at(c, 'status')?.['phase'];
  return phase === 'Bound' ? undefined : `${String(phase ?? 'Pending')}${at(c, 'spec')?.['storageClassName'] === undefined ? '' : ` (class ${String(at(c, 'spec')!['storageClassName'])})`}`;
}

/** A Service with a selector needs a ready endpoint; ExternalName and selector-less ones are left to their owner. */
export function serviceWaiting(s: KubeObject, slices: readonly KubeObject[]): string | undefined {
  const spec = at(s, 'spec') ?? {};
  if (spec['type'] === 'ExternalName' || spec['selector'] === undefined || Object.keys(spec['selector'] as object).length === 0) return undefined;
  const mine = slices.filter((e) => e.metadata.namespace === s.metadata.namespace && e.metadata.labels?.['kubernetes.io/service-name'] === s.metadata.name);
  const ready = mine.flatMap((e) => listAt(e, 'endpoints')).filter((e) => ((e['conditions'] ?? {}) as Json)['ready'] !== false);
  return ready.length === 0 ? 'no ready endpoint' : undefined;
}

export function readiness(objects: NamespaceObjects): Readiness {
  const waiting: Waiting[] = [];
  const look = (kind: string, list: readonly KubeObject[], why: (o: KubeObject) => string | undefined): void => {
    for (const o of list) {
      const reason = why(o);
      if (reason !== undefined) waiting.push({ object: name(kind, o), reason });
    }
  };
  look('Deployment', objects.deployments, deploymentWaiting);
  look('StatefulSet', objects.statefulSets, statefulSetWaiting);
  look('PersistentVolumeClaim', objects.claims, claimWaiting);
  look('Pod', objects.pods, podWaiting);
  look('Service', objects.services, (s) => serviceWaiting(s, objects.endpointSlices));
  return {
    counts: { deployments: objects.deployments.length, statefulSets: objects.statefulSets.length, pods: objects.pods.length, services: objects.services.length, claims: objects.claims.length },
    waiting,
  };
}
