/**
 * Where things sit in a history working tree (docs/history.md): one YAML file per API
 * object at `<namespace>/<kind>.<group>/<name>.yaml` (the kind lower-cased, as kubectl
 * names it: `shop/deployment.apps/web.yaml`, `shop/configmap/settings.yaml`), cluster-scoped
 * objects under `_cluster/`, node files under `_files/` at their absolute path, and their
 * modes and owners in `_files.modes`. Namespace names are DNS labels, so they never begin
 * with `_` and cannot collide with these.
 */
import { groupOf, type KubeObject } from '../objects/types.ts';

export const CLUSTER_DIR = '_cluster';
export const FILES_DIR = '_files';
export const MODES_FILE = '_files.modes';

/** "deployment.apps", or "configmap" for the core group. */
export function kindDirectory(object: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const group = groupOf(object.apiVersion);
  const kind = object.kind.toLowerCase();
  return group === '' ? kind : `${kind}.${group}`;
}

export function objectPath(object: KubeObject): string {
  const namespace = object.metadata.namespace;
  return `${namespace === undefined || namespace === '' ? CLUSTER_DIR : namespace}/${kindDirectory(object)}/${object.metadata.name}.yaml`;
}

/** `_files/etc/kubernetes/admin.conf` for /etc/kubernetes/admin.conf. */
export function nodeFilePath(absolute: string): string {
  return `${FILES_DIR}/${absolute.replace(/^\/+/, '')}`;
}

export type EntryKind = 'object' | 'file' | 'modes';

/** What a path in the tree is, and how `history diff` names it: "shop/deployment.apps/web", "/etc/kubernetes/admin.conf". */
export function describePath(path: string): { readonly kind: EntryKind; readonly name: string } {
  if (path === MODES_FILE) return { kind: 'modes', name: MODES_FILE };
  if (path.startsWith(`${FILES_DIR}/`)) return { kind: 'file', name: path.slice(FILES_DIR.length) };
  return { kind: 'object', name: path.endsWith('.yaml') ? path.slice(0, -'.yaml'.length) : path };
}
