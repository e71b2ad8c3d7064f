/**
 * Restore mappings: `--namespace-mapping old:new` moves objects and every reference to a
 * namespace that Kubernetes resolves by name (RoleBinding subjects, PV claim references,
 * webhook and API service references); `--storage-class-mapping old:new` rewrites the
 * class of claims, volumes and StatefulSet claim templates.
 */
import { UsageError } from '../errors.ts';
import { at, listAt, type Json } from './json.ts';
import { groupOf, type KubeObject } from './types.ts';

export interface Mappings {
  readonly namespaces: ReadonlyMap<string, string>;
  readonly storageClasses: ReadonlyMap<string, string>;
}

export const NO_MAPPINGS: Mappings = { namespaces: new Map(), storageClasses: new Map() };

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parses "old:new" pairs; `flag` names the option in errors. */
export function parseMapping(flag: string, pairs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs) {
    const [from, to, ...rest] = pair.split(':');
    if (from === undefined || to === undefined || rest.length > 0 || !NAME.test(from) || !NAME.test(to)) {
      throw new UsageError(`${flag} ${pair}: expected OLD:NEW with two lower-case names`, { hint: `e.g. ${flag} shop:shop-restored` });
    }
    if (map.has(from)) throw new UsageError(`${flag} ${pair}: ${from} is mapped twice`, { hint: 'give each old name once' });
    map.set(from, to);
  }
  return map;
}

/** Applies the mappings in place to a sanitised copy; returns a note per change. */
export function applyMappings(object: KubeObject, mappings: Mappings): string[] {
  const notes: string[] = [];
  const ns = (value: unknown): string | undefined => (typeof value === 'string' ? mappings.namespaces.get(value) : undefined);
  const mapNamespaceField = (holder: Json | undefined, field: string, what: string): void => {
    const mapped = holder === undefined ? undefined : ns(holder[field]);
    if (holder === undefined || mapped === undefined) return;
    notes.push(`${what} namespace ${String(holder[field])} → ${mapped}`);
    holder[field] = mapped;
  };
  const sc = (holder: Json | undefined, what: string): void => {
    const value = holder?.['storageClassName'];
    const mapped = typeof value === 'string' ? mappings.storageClasses.get(value) : undefined;
    if (holder === undefined || mapped === undefined) return;
    notes.push(`${what} storage class ${String(value)} → ${mapped}`);
    holder['storageClassName'] = mapped;
  };
  const o = object as Json & KubeObject;
  const metadata = o.metadata as Json;
  const spec = at(o, 'spec');
  mapNamespaceField(metadata, 'namespace', 'object');
  const kind = `${groupOf(o.apiVersion)}/${o.kind}`;
  switch (kind) {
    case '/Namespace': {
      const mapped = ns(metadata['name']);
      if (mapped !== undefined) {
        notes.push(`namespace ${String(metadata['name'])} → ${mapped}`);
        metadata['name'] = mapped;
        // The name label mirrors the name; the API server would reject a stale one.
        const labels = at(metadata, 'labels');
        if (labels?.['kubernetes.io/metadata.name'] !== undefined) labels['kubernetes.io/metadata.name'] = mapped;
      }
      break;
    }
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      for (const subject of listAt(o, 'subjects')) mapNamespaceField(subject, 'namespace', `subject ${String(subject['kind'])} ${String(subject['name'])}`);
      break;
    case '/PersistentVolume':
      mapNamespaceField(at(spec, 'claimRef'), 'namespace', 'claim reference');
      sc(spec, 'volume');
      break;
    case '/PersistentVolumeClaim':
      sc(spec, 'claim');
      break;
    case 'apps/StatefulSet':
      for (const template of listAt(spec, 'volumeClaimTemplates')) sc(at(template, 'spec'), 'claim template');
      break;
    case 'admissionregistration.k8s.io/ValidatingWebhookConfiguration':
    case 'admissionregistration.k8s.io/MutatingWebhookConfiguration':
      for (const webhook of listAt(o, 'webhooks')) mapNamespaceField(at(webhook, 'clientConfig', 'service'), 'namespace', 'webhook service');
      break;
    case 'apiregistration.k8s.io/APIService':
      mapNamespaceField(at(spec, 'service'), 'namespace', 'API service');
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      mapNamespaceField(at(spec, 'conversion', 'webhook', 'clientConfig', 'service'), 'namespace', 'conversion webhook service');
      break;
    default:
      break;
  }
  return notes;
}
