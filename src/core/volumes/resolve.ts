/**
 * From workloads to the data behind them: workload → pods (by its selector, and by owner
 * references) and its pod template → PersistentVolumeClaims (StatefulSet claim templates
 * included, so a workload scaled to zero still resolves) → the bound PersistentVolume →
 * where its bytes are. Ceph RBD is recognised from the CSI driver name and its
 * volumeAttributes (pool, imageName, radosNamespace), from Rook's flex driver, and from the
 * in-tree `rbd` source; the CSI volumeHandle is never parsed. Pure: the caller lists.
 */
import { selectorMatches } from './selector.ts';
import type { Backend, Claim, Mount, Pod, PodSpec, ResolvedVolume, Volume, Workload } from './types.ts';

export interface Inventory {
  readonly workloads: readonly Workload[];
  readonly pods: readonly Pod[];
  readonly claims: readonly Claim[];
  readonly volumes: readonly Volume[];
}

export type WorkloadKind = Workload['kind'] | 'Pod';

export interface VolumeSelection {
  readonly workloads?: readonly { readonly namespace: string; readonly kind: WorkloadKind; readonly name: string }[];
  readonly namespaces?: readonly string[];
  readonly claims?: readonly { readonly namespace: string; readonly name: string }[];
}

export interface Resolution {
  readonly volumes: readonly ResolvedVolume[];
  /** What was asked for and not found, in words. */
  readonly problems: readonly string[];
}

const RBD_CSI = /^(.+\.)?rbd\.csi\.ceph\.com$/;
const ROOK_FLEX = /^ceph\.rook\.io\/rook(-ceph)?$|^rook\.io\/rook$/;

export function backendOf(volume: Volume): Backend {
  const spec = volume.spec;
  if (spec.csi !== undefined) {
    if (!RBD_CSI.test(spec.csi.driver)) return { kind: 'csi', driver: spec.csi.driver, volumeHandle: spec.csi.volumeHandle };
    const attributes = spec.csi.volumeAttributes ?? {};
    const pool = attributes['pool'];
    const image = attributes['imageName'];
    if (pool === undefined || image === undefined) {
      return { kind: 'unsupported', reason: `${spec.csi.driver} volume without pool/imageName in volumeAttributes (the volumeHandle is not parsed)` };
    }
    return {
      kind: 'rbd', via: 'csi', driver: spec.csi.driver, pool, image,
      ...(attributes['radosNamespace'] !== undefined && attributes['radosNamespace'] !== '' && { radosNamespace: attributes['radosNamespace'] }),
      ...(attributes['clusterID'] !== undefined && { clusterId: attributes['clusterID'] }),
    };
  }
  if (spec.flexVolume !== undefined && ROOK_FLEX.test(spec.flexVolume.driver)) {
    const options = spec.flexVolume.options ?? {};
    const pool = options['pool'] ?? options['blockPool'];
    const image = options['image'];
    if (pool === undefined || image === undefined) return { kind: 'unsupported', reason: `Rook flex volume without pool/image options` };
    return { kind: 'rbd', via: 'flex', driver: spec.flexVolume.driver, pool, image };
  }
  if (spec.rbd !== undefined) return { kind: 'rbd', via: 'in-tree', pool: spec.rbd.pool ?? 'rbd', image: spec.rbd.image };
  if (spec.hostPath !== undefined) return { kind: 'directory', via: 'hostPath', path: spec.hostPath.path };
  if (spec.local !== undefined) {
    const node = spec.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.find((e) => e.key === 'kubernetes.io/hostname')?.values?.[0];
    return { kind: 'directory', via: 'local', path: spec.local.path, ...(node !== undefined && { node }) };
  }
  const kind = Object.keys(spec).find((k) => !['accessModes', 'capacity', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'volumeMode', 'mountOptions', 'nodeAffinity'].includes(k));
  return { kind: 'unsupported', reason: `volume source ${kind ?? 'unknown'} has no backup method (not RBD, a directory or CSI)` };
}

/** The claims a pod spec names: persistentVolumeClaim volumes, and generic ephemeral volumes (`<pod>-<volume>`). */
function claimsOf(spec: PodSpec | undefined, podName?: string): string[] {
  const names: string[] = [];
  for (const volume of spec?.volumes ?? []) {
    if (volume.persistentVolumeClaim !== undefined) names.push(volume.persistentVolumeClaim.claimName);
    else if (volume.ephemeral !== undefined && podName !== undefined) names.push(`${podName}-${volume.name}`);
  }
  return names;
}

function templateClaims(workload: Workload): string[] {
  const spec = workload.kind === 'CronJob' ? workload.spec.jobTemplate?.spec?.template?.spec : workload.spec.template?.spec;
  const names = claimsOf(spec);
  if (workload.kind === 'StatefulSet') {
    for (const template of workload.spec.volumeClaimTemplates ?? []) {
      for (let i = 0; i < (workload.spec.replicas ?? 1); i++) names.push(`${template.metadata.name}-${workload.metadata.name}-${i}`);
    }
  }
  return names;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** The top workload that owns a pod: ReplicaSet → Deployment, Job → CronJob. */
function ownerOf(pod: Pod, byKindName: ReadonlyMap<string, Workload>): Workload | undefined {
  const namespace = pod.metadata.namespace ?? '';
  let owner = pod.metadata.ownerReferences?.[0];
  let found: Workload | undefined;
  for (let depth = 0; owner !== undefined && depth < 3; depth++) {
    const next = byKindName.get(`${owner.kind}/${namespace}/${owner.name}`);
    if (next === undefined) break;
    found = next;
    owner = next.metadata.ownerReferences?.[0];
  }
  return found;
}

export function resolveVolumes(inventory: Inventory, selection: VolumeSelection = {}): Resolution {
  const problems: string[] = [];
  const claims = new Map(inventory.claims.map((c) => [key(c.metadata.namespace ?? '', c.metadata.name), c]));
  const volumes = new Map(inventory.volumes.map((v) => [v.metadata.name, v]));
  const byKindName = new Map(inventory.workloads.map((w) => [`${w.kind}/${w.metadata.namespace ?? ''}/${w.metadata.name}`, w]));
  const users = new Map<string, { workloads: Set<string>; pods: Set<string>; mounts: Mount[] }>();
  const use = (claimKey: string, workload?: string, pod?: Pod) => {
    let entry = users.get(claimKey);
    if (entry === undefined) users.set(claimKey, (entry = { workloads: new Set(), pods: new Set(), mounts: [] }));
    if (workload !== undefined) entry.workloads.add(workload);
    if (pod !== undefined && !entry.pods.has(pod.metadata.name)) {
      entry.pods.add(pod.metadata.name);
      entry.mounts.push({ pod: pod.metadata.name, ...(pod.metadata.uid !== undefined && { uid: pod.metadata.uid }), ...(pod.spec.nodeName !== undefined && { node: pod.spec.nodeName }) });
    }
  };
  /** The claims each top-level workload (and bare pod) uses, by "Kind/namespace/name". */
  const claimsBy = new Map<string, Set<string>>();
  const add = (owner: string, claimKey: string) => {
    let set = claimsBy.get(owner);
    if (set === undefined) claimsBy.set(owner, (set = new Set()));
    set.add(claimKey);
  };
  const topLevel = inventory.workloads.filter((w) => !(w.kind === 'ReplicaSet' || w.kind === 'Job') || w.metadata.ownerReferences === undefined || w.metadata.ownerReferences.length === 0);
  for (const workload of topLevel) {
    const namespace = workload.metadata.namespace ?? '';
    const label = `${workload.kind}/${workload.metadata.name}`;
    for (const name of templateClaims(workload)) {
      use(key(namespace, name), label);
      add(`${workload.kind}/${namespace}/${workload.metadata.name}`, key(namespace, name));
    }
  }
  for (const pod of inventory.pods) {
    const namespace = pod.metadata.namespace ?? '';
    const owner = ownerOf(pod, byKindName);
    const selectors = topLevel.filter((w) => (w.metadata.namespace ?? '') === namespace && w !== owner && w.kind !== 'CronJob' && selectorMatches(w.spec.selector, pod.metadata.labels));
    for (const name of claimsOf(pod.spec, pod.metadata.name)) {
      const claimKey = key(namespace, name);
      use(claimKey, undefined, pod);
      add(`Pod/${namespace}/${pod.metadata.name}`, claimKey);
      for (const w of owner === undefined ? selectors : [owner, ...selectors]) {
        use(claimKey, `${w.kind}/${w.metadata.name}`);
        add(`${w.kind}/${namespace}/${w.metadata.name}`, claimKey);
      }
    }
  }

  const chosen = new Set<string>();
  const anySelection = (selection.workloads?.length ?? 0) + (selection.namespaces?.length ?? 0) + (selection.claims?.length ?? 0) > 0;
  if (!anySelection) for (const k of claims.keys()) chosen.add(k);
  for (const w of selection.workloads ?? []) {
    const id = `${w.kind}/${w.namespace}/${w.name}`;
    const exists = w.kind === 'Pod' ? inventory.pods.some((p) => p.metadata.name === w.name && p.metadata.namespace === w.namespace) : byKindName.has(id);
    if (!exists) problems.push(`${w.kind} ${w.namespace}/${w.name} not found`);
    else if ((claimsBy.get(id)?.size ?? 0) === 0) problems.push(`${w.kind} ${w.namespace}/${w.name} uses no PersistentVolumeClaim`);
    for (const claimKey of claimsBy.get(id) ?? []) chosen.add(claimKey);
  }
  for (const namespace of selection.namespaces ?? []) for (const k of claims.keys()) if (k.startsWith(`${namespace}/`)) chosen.add(k);
  for (const c of selection.claims ?? []) {
    const k = key(c.namespace, c.name);
    if (!claims.has(k)) problems.push(`PersistentVolumeClaim ${k} not found`);
    chosen.add(k);
  }

  const resolved: ResolvedVolume[] = [];
  for (const claimKey of [...chosen].sort()) {
    const claim = claims.get(claimKey);
    const [namespace, name] = claimKey.split('/') as [string, string];
    const who = users.get(claimKey);
    const base = { namespace, claim: name, workloads: [...(who?.workloads ?? [])].sort(), pods: [...(who?.pods ?? [])].sort(), mounts: [...(who?.mounts ?? [])].sort((a, b) => (a.pod < b.pod ? -1 : 1)) };
    if (claim === undefined) {
      // A claim a workload names but that does not exist (yet): said once, in the list.
      if (!(selection.claims ?? []).some((c) => key(c.namespace, c.name) === claimKey)) resolved.push({ ...base, backend: { kind: 'unsupported', reason: 'the claim does not exist' } });
      continue;
    }
    const volumeName = claim.spec.volumeName;
    const volume = volumeName === undefined ? undefined : volumes.get(volumeName);
    const storageClass = claim.spec.storageClassName ?? volume?.spec.storageClassName;
    resolved.push({
      ...base,
      ...(volumeName !== undefined && { volume: volumeName }),
      ...(storageClass !== undefined && { storageClass }),
      ...(volume !== undefined && { spec: volume.spec }),
      backend: volume !== undefined ? backendOf(volume)
        : { kind: 'unsupported', reason: volumeName === undefined ? `the claim is not bound (${claim.status?.phase ?? 'Pending'})` : `its volume ${volumeName} does not exist` },
    });
  }
  return { volumes: resolved, problems };
}
