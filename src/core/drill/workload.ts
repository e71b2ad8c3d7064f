/**
 * The chaos day's workload (seed 004 §9): `NAMESPACE/KIND/NAME` as `--workload` names it, and
 * which of its namespace's objects say whether it serves again — the workload itself, the
 * pods its selector matches, the Services that select its pods. Pure.
 */
import { UsageError } from '../errors.ts';
import { at } from '../objects/json.ts';
import type { KubeObject } from '../objects/types.ts';
import type { NamespaceObjects } from './readiness.ts';

export interface WorkloadRef {
  readonly namespace: string;
  /** Deployment or StatefulSet. */
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly name: string;
}

const KINDS: Readonly<Record<string, WorkloadRef['kind']>> = {
  deployment: 'Deployment', deployments: 'Deployment', 'deployments.apps': 'Deployment', deploy: 'Deployment',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', 'statefulsets.apps': 'StatefulSet', sts: 'StatefulSet',
};

export function parseWorkload(value: string): WorkloadRef {
  const [namespace, kind, name, ...rest] = value.split('/');
  const known = kind === undefined ? undefined : KINDS[kind.toLowerCase()];
  if (namespace === undefined || name === undefined || rest.length > 0 || namespace === '' || name === '' || known === undefined) {
    throw new UsageError(`--workload ${value}: expected NAMESPACE/KIND/NAME with KIND Deployment or StatefulSet`, { hint: 'e.g. --workload shop/Deployment/web' });
  }
  return { namespace, kind: known, name };
}

const labelsOf = (value: unknown): Record<string, string> => (value ?? {}) as Record<string, string>;
const within = (wanted: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(wanted).every(([k, v]) => labels[k] === v);

/** The objects of the namespace that tell whether the workload serves. */
export function workloadObjects(objects: NamespaceObjects, workload: WorkloadRef): NamespaceObjects {
  const own = (workload.kind === 'Deployment' ? objects.deployments : objects.statefulSets).filter((o) => o.metadata.name === workload.name);
  const selector = labelsOf(at(own[0], 'spec', 'selector')?.['matchLabels']);
  const templateLabels = labelsOf(at(own[0], 'spec', 'template', 'metadata')?.['labels']);
  const selects = (o: KubeObject) => Object.keys(selector).length > 0 && within(selector, labelsOf(o.metadata.labels));
  const services = objects.services.filter((s) => {
    const wanted = labelsOf(at(s, 'spec')?.['selector']);
    return own.length > 0 && Object.keys(wanted).length > 0 && within(wanted, templateLabels);
  });
  return {
    deployments: workload.kind === 'Deployment' ? own : [],
    statefulSets: workload.kind === 'StatefulSet' ? own : [],
    pods: objects.pods.filter(selects),
    services,
    endpointSlices: objects.endpointSlices,
    claims: [],
  };
}

/** The chaos day's target as the layers see it. */
export interface InPlaceTarget {
  readonly workload: WorkloadRef;
  /** --with-data: its claims go too, and come back with their data; only claims ("NS/NAME") whose data the snapshot holds. */
  readonly withData?: { readonly claims: ReadonlySet<string> };
}

/** The claims a stored workload uses: its pod template's, and a StatefulSet's from its templates, one per replica. */
export function workloadClaims(workload: KubeObject): string[] {
  const spec = at(workload, 'spec');
  const claims = new Set<string>();
  const volumes = (at(workload, 'spec', 'template', 'spec')?.['volumes'] ?? []) as { persistentVolumeClaim?: { claimName?: string } }[];
  for (const v of volumes) if (v.persistentVolumeClaim?.claimName !== undefined) claims.add(v.persistentVolumeClaim.claimName);
  if (workload.kind === 'StatefulSet') {
    const replicas = typeof spec?.['replicas'] === 'number' ? spec['replicas'] : 1;
    for (const template of (spec?.['volumeClaimTemplates'] ?? []) as KubeObject[]) {
      for (let i = 0; i < replicas; i++) claims.add(`${template.metadata.name}-${workload.metadata.name}-${i}`);
    }
  }
  return [...claims].sort();
}
