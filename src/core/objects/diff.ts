/**
 * Drift: what differs between two versions of an object, field by field, ignoring what the
 * server changes on its own (server metadata, status, the controller's bookkeeping
 * annotations). Paths are written like `spec.template.spec.containers[0].image`.
 */
import { at, isJsonObject, type Json } from './json.ts';
import { SERVER_METADATA } from './sanitize.ts';
import type { KubeObject } from './types.ts';

export interface FieldChange {
  readonly path: string;
  /** Absent on one side: undefined (JSON output omits it). */
  readonly before?: unknown;
  readonly after?: unknown;
}

/** Annotations that controllers rewrite as they work: not drift. */
const VOLATILE_ANNOTATIONS: readonly string[] = [
  'deployment.kubernetes.io/revision',
  'kubectl.kubernetes.io/last-applied-configuration',
  'control-plane.alpha.kubernetes.io/leader',
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
];

/** A copy without the volatile parts, to compare. */
export function comparable(object: KubeObject): Json {
  const copy = structuredClone(object) as Json;
  delete copy['status'];
  const metadata = copy['metadata'] as Json;
  for (const field of SERVER_METADATA) delete metadata[field];
  // A volume's claim reference carries the claim's uid: it changes whenever the claim is recreated.
  const claimRef = at(copy, 'spec', 'claimRef');
  if (copy['kind'] === 'PersistentVolume' && claimRef !== undefined) {
    delete claimRef['uid'];
    delete claimRef['resourceVersion'];
  }
  const annotations = metadata['annotations'] as Json | undefined;
  if (annotations !== undefined) {
    for (const key of VOLATILE_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete metadata['annotations'];
  }
  return copy;
}

const MAX_CHANGES = 200;

export function diffObjects(before: KubeObject, after: KubeObject): FieldChange[] {
  const changes: FieldChange[] = [];
  walk(comparable(before), comparable(after), '', changes);
  return changes;
}

function join(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
}

function walk(a: unknown, b: unknown, path: string, changes: FieldChange[]): void {
  if (changes.length >= MAX_CHANGES) return;
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) walk(a[key], b[key], join(path, key), changes);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) walk(a[i], b[i], `${path}[${i}]`, changes);
    return;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  changes.push({ path, ...(a !== undefined && { before: a }), ...(b !== undefined && { after: b }) });
}
