/**
 * Turns an object as the API returned it into one that can be created again: what the
 * server assigns (uid, resourceVersion, timestamps, managed fields, status) goes, and so
 * do the few spec fields that name things of the old cluster (allocated Service IPs and
 * node ports, stale bindings, generated Job selectors). Pure: returns a new object and a
 * note per change that is not obvious, for the printed plan.
 */
import { at, isJsonObject, listAt, type Json } from './json.ts';
import { groupOf, type KubeObject } from './types.ts';

export interface SanitizeOptions {
  readonly keepStatus: boolean;
  readonly preserveClusterIps: boolean;
}

export interface Sanitized {
  readonly object: KubeObject;
  readonly notes: readonly string[];
}

/** Metadata the server sets on every object. */
export const SERVER_METADATA: readonly string[] = [
  'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds',
];

/** A deep copy of plain JSON data (objects come from JSON.parse, so this is exact). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

export function sanitize(source: KubeObject, options: SanitizeOptions): Sanitized {
  const object = cloneJson(source) as Json & KubeObject;
  const notes: string[] = [];
  const metadata = object.metadata as Json;
  for (const field of SERVER_METADATA) delete metadata[field];
  if (!options.keepStatus) delete object['status'];
  const kind = `${groupOf(object.apiVersion)}/${object.kind}`;
  if (kind === '/Service') sanitizeService(object, source, options, notes);
  else if (kind === '/PersistentVolume') sanitizePersistentVolume(object, notes);
  else if (kind === '/PersistentVolumeClaim') sanitizeClaim(object);
  else if (kind === '/Secret') sanitizeSecret(object, notes);
  else if (kind === '/Pod') sanitizePod(object, notes);
  else if (kind === 'batch/Job') sanitizeJob(object, notes);
  return { object, notes };
}

/**
 * Node ports the user chose (named in a manager's managed fields, or in kubectl's
 * last-applied configuration) are kept; ports the API server picked are not, so that the
 * target allocates free ones.
 */
function chosenNodePorts(source: KubeObject): Set<string> {
  const chosen = new Set<string>();
  for (const entry of (source.metadata['managedFields'] as { fieldsV1?: Json }[] | undefined) ?? []) {
    const ports = at(entry.fieldsV1, 'f:spec', 'f:ports') ?? {};
    for (const [key, value] of Object.entries(ports)) {
      if (!key.startsWith('k:') || !isJsonObject(value) || !('f:nodePort' in value)) continue;
      try {
        const id = JSON.parse(key.slice(2)) as { port?: number; protocol?: string };
        chosen.add(`${id.port}/${id.protocol ?? 'TCP'}`);
      } catch {
        // A key we cannot read keeps nothing: the target allocates a port.
      }
    }
  }
  const applied = source.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (applied !== undefined) {
    try {
      for (const p of listAt(JSON.parse(applied), 'spec', 'ports')) if (p['nodePort'] !== undefined) chosen.add(`${String(p['port'])}/${String(p['protocol'] ?? 'TCP')}`);
    } catch {
      // Unreadable annotation: as above.
    }
  }
  return chosen;
}

function sanitizeService(object: Json, source: KubeObject, options: SanitizeOptions, notes: string[]): void {
  const spec = at(object, 'spec');
  if (spec === undefined) return;
  const headless = spec['clusterIP'] === 'None';
  if (!headless && !options.preserveClusterIps && (spec['clusterIP'] !== undefined || spec['clusterIPs'] !== undefined)) {
    delete spec['clusterIP'];
    delete spec['clusterIPs'];
    notes.push('cluster IP left to the target to allocate');
  }
  const chosen = chosenNodePorts(source);
  for (const port of listAt(spec, 'ports')) {
    if (port['nodePort'] === undefined || chosen.has(`${String(port['port'])}/${String(port['protocol'] ?? 'TCP')}`)) continue;
    delete port['nodePort'];
    notes.push(`node port of ${String(port['port'])}/${String(port['protocol'] ?? 'TCP')} left to the target to allocate`);
  }
  if (spec['healthCheckNodePort'] !== undefined) {
    delete spec['healthCheckNodePort'];
    notes.push('health-check node port left to the target to allocate');
  }
}

/** The claim reference keeps namespace and name (pre-binding), not the old claim's uid. */
function sanitizePersistentVolume(object: Json, notes: string[]): void {
  const claimRef = at(object, 'spec', 'claimRef');
  if (claimRef === undefined) return;
  delete claimRef['uid'];
  delete claimRef['resourceVersion'];
  notes.push(`pre-bound to claim ${String(claimRef['namespace'])}/${String(claimRef['name'])}`);
}

/** Binding annotations go: the PV controller binds the claim to its volumeName again. */
function sanitizeClaim(object: Json): void {
  const annotations = at(object, 'metadata', 'annotations');
  if (annotations === undefined) return;
  delete annotations['pv.kubernetes.io/bind-completed'];
  delete annotations['pv.kubernetes.io/bound-by-controller'];
}

/** A ServiceAccount token names the old account's uid; the token controller issues a new one. */
function sanitizeSecret(object: Json, notes: string[]): void {
  if (object['type'] !== 'kubernetes.io/service-account-token') return;
  const annotations = at(object, 'metadata', 'annotations');
  if (annotations !== undefined) delete annotations['kubernetes.io/service-account.uid'];
  delete object['data'];
  notes.push('token data left to the token controller to issue');
}

/** A bare pod is scheduled again, and gets its service-account token volume from admission. */
function sanitizePod(object: Json, notes: string[]): void {
  const spec = at(object, 'spec');
  if (spec === undefined) return;
  if (spec['nodeName'] !== undefined) {
    delete spec['nodeName'];
    notes.push('node left to the scheduler');
  }
  const volumes = listAt(spec, 'volumes');
  const tokenVolumes = new Set(volumes.filter((v) => typeof v['name'] === 'string' && (v['name'] as string).startsWith('kube-api-access-')).map((v) => v['name'] as string));
  if (tokenVolumes.size === 0) return;
  spec['volumes'] = volumes.filter((v) => !tokenVolumes.has(v['name'] as string));
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const container of listAt(spec, list)) {
      if (Array.isArray(container['volumeMounts'])) container['volumeMounts'] = listAt(container, 'volumeMounts').filter((m) => !tokenVolumes.has(m['name'] as string));
    }
  }
}

/** The selector and labels the API server generated from the old Job's uid go (unless chosen by hand). */
function sanitizeJob(object: Json, notes: string[]): void {
  const spec = at(object, 'spec');
  if (spec === undefined || spec['manualSelector'] === true) return;
  delete spec['selector'];
  const labels = at(spec, 'template', 'metadata', 'labels');
  if (labels !== undefined) {
    delete labels['controller-uid'];
    delete labels['batch.kubernetes.io/controller-uid'];
  }
  notes.push('selector left to the API server to generate');
}
