/**
 * Where objects sit in a snapshot's tree (docs/repository-format.md, "API objects"): one
 * file per type, objects/TYPE.jsonl, TYPE spelled "deployments.apps" (or "configmaps" in
 * the core group), each line one object, stored in groups (groups.ts).
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
const LINES_SUFFIX = '.jsonl';

/** The file of a type's objects: "deployments.apps.jsonl", "deployments.apps@v1beta1.jsonl". */
export function typeFileName(directory: string): string {
  return `${directory}${LINES_SUFFIX}`;
}

/** The type (or TYPE@VERSION) a file of objects holds, undefined for any other name. */
export function typeOfFile(fileName: string): string | undefined {
  return fileName.endsWith(LINES_SUFFIX) ? fileName.slice(0, -LINES_SUFFIX.length) : undefined;
}

/** A type's file: time zero and fixed owner, so an unchanged type's node stays identical. */
export function typeFileNode(directory: string, groups: StoredGroups): TreeNode {
  return { name: typeFileName(directory), type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: '0', size: groups.size, content: groups.content };
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
   * objects/TYPE@VERSION.jsonl, so a target that no longer serves `version` can take another.
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
