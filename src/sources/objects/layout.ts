/**
 * Where objects sit in a snapshot's tree (docs/repository-format.md, "API objects"): a
 * directory per type holding one file, objects/TYPE/objects.jsonl, TYPE spelled
 * "deployments.apps" (or "configmaps" in the core group), each line one object, stored in
 * groups (groups.ts). The directory keeps each type's list of groups in a tree blob of its
 * own: a change in one type does not store every type's list again.
 *
 * Snapshots taken before groups hold objects/TYPE/NAMESPACE/NAME.json (or
 * objects/TYPE/NAME.json for cluster-scoped types), each object its own blob; they are
 * still read.
 */
import { typeName, type ResourceType } from '../../core/objects/types.ts';
import type { StoredGroups } from './groups.ts';
import type { TreeNode } from '../../repository/tree.ts';

export { directoryNode } from '../../repository/item-nodes.ts';

export const OBJECTS_DIR = 'objects';
const SUFFIX = '.json';
/** The one file in a type's directory; no object file of the old layout ends in ".jsonl". */
export const TYPE_FILE = 'objects.jsonl';

/** A type's file: time zero and fixed owner, so an unchanged type's node stays identical. */
export function typeFileNode(groups: StoredGroups): TreeNode {
  return { name: TYPE_FILE, type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: '0', size: groups.size, content: groups.content };
}

/** The object a file of the old layout holds. */
export function objectNameOf(fileName: string): string | undefined {
  return fileName.endsWith(SUFFIX) ? fileName.slice(0, -SUFFIX.length) : undefined;
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

/** TYPE@VERSION: the same objects, read at another served version. */
export function versionedName(type: Pick<ResourceType, 'group' | 'resource'>, version: string): string {
  return `${typeName(type)}@${version}`;
}

export function typeRecord(type: ResourceType, objects: number): TypeRecord {
  return { group: type.group, version: type.version, resource: type.resource, kind: type.kind, namespaced: type.namespaced, objects };
}
