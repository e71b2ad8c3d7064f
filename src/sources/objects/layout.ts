/**
 * Where objects sit in a snapshot's tree (docs/repository-format.md, "API objects"):
 * objects/TYPE/NAMESPACE/NAME.json for namespaced types, objects/TYPE/NAME.json for
 * cluster-scoped ones, TYPE spelled "deployments.apps" (or "configmaps" in the core group).
 * Each object is its own file blob, so an object that did not change costs nothing.
 */
import { typeName, type ResourceType } from '../../core/objects/types.ts';
import type { Id } from '../../repository/hash.ts';
import type { TreeNode } from '../../repository/tree.ts';

export const OBJECTS_DIR = 'objects';
const SUFFIX = '.json';

export function objectFileName(name: string): string {
  return `${name}${SUFFIX}`;
}

export function objectNameOf(fileName: string): string | undefined {
  return fileName.endsWith(SUFFIX) ? fileName.slice(0, -SUFFIX.length) : undefined;
}

/**
 * A file node for one object. Its time is the object's creation time, so the node (and the
 * directory trees above it) stays byte-identical while the object is unchanged.
 */
export function objectNode(name: string, content: Id, size: number, created: string | undefined): TreeNode {
  const ms = created === undefined ? 0 : Date.parse(created);
  const mtimeNs = Number.isFinite(ms) ? (BigInt(ms) * 1_000_000n).toString() : '0';
  return { name: objectFileName(name), type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs, size, content: [content] };
}

export function directoryNode(name: string, subtree: Id): TreeNode {
  return { name, type: 'dir', mode: 0o700, uid: 0, gid: 0, mtimeNs: '0', subtree };
}

/** What a snapshot records of each backed-up type: enough to restore it without the source cluster. */
export interface TypeRecord extends Omit<ResourceType, 'verbs'> {
  readonly objects: number;
  /**
   * With --all-versions: the other versions the type was served at, each stored whole in
   * objects/TYPE@VERSION/, so a target that no longer serves `version` can take another.
   */
  readonly otherVersions?: readonly { readonly version: string; readonly objects: number }[];
}

/** objects/TYPE@VERSION: the same objects, read at another served version. */
export function versionDirectory(type: Pick<ResourceType, 'group' | 'resource'>, version: string): string {
  return `${typeName(type)}@${version}`;
}

export function typeRecord(type: ResourceType, objects: number): TypeRecord {
  return { group: type.group, version: type.version, resource: type.resource, kind: type.kind, namespaced: type.namespaced, objects };
}
