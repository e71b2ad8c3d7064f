/** URL paths of resource types and objects: /api/v1/… for the core group, /apis/GROUP/VERSION/… otherwise. */
import type { ResourceType } from '../core/objects/types.ts';

export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** The collection: in one namespace, or across all of them when `namespace` is undefined. */
export function collectionPath(type: Pick<ResourceType, 'group' | 'version' | 'resource' | 'namespaced'>, namespace?: string): string {
  const base = groupVersionPath(type.group, type.version);
  return type.namespaced && namespace !== undefined ? `${base}/namespaces/${encodeURIComponent(namespace)}/${type.resource}` : `${base}/${type.resource}`;
}

export function objectPath(type: Pick<ResourceType, 'group' | 'version' | 'resource' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}
