/**
 * Drift: what differs between two versions of an object, field by field, ignoring what the
 * server changes on its own (server metadata, status, the controller's bookkeeping
 * annotations). Both sides first go through the restore's own sanitiser, so that `diff`
 * and `restore` agree on what a difference is: a field restore drops (a generated Job
 * selector, an allocated cluster IP) is never drift. Paths are written like
 * `spec.template.spec.containers[0].image`.
 */
import { isJsonObject, type Json } from './json.ts';
import { sanitize } from './sanitize.ts';
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
  const copy = sanitize(object, { keepStatus: false, preserveClusterIps: false }).object as Json;
  const metadata = copy['metadata'] as Json;
  // An aggregated ClusterRole's rules are filled in by the aggregation controller from the
  // roles its selectors match: its aggregationRule is what was written, not its rules.
  if (copy['kind'] === 'ClusterRole' && copy['aggregationRule'] !== undefined) delete copy['rules'];
  const annotations = metadata['annotations'] as Json | undefined;
  if (annotations !== undefined) {
    for (const key of VOLATILE_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete metadata['annotations'];
  }
  return copy;
}

const MAX_CHANGES = 200;

export function diffObjects(before: KubeObject, after: KubeObject): FieldChange[] {
  return fieldChanges(comparable(before), comparable(after));
}

/** The changed fields of two JSON values as they are (at most MAX_CHANGES of them). */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  walk(before, after, '', changes);
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
