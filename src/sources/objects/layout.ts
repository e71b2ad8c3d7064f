/**
 * Where objects sit in a snapshot's tree (docs/repository-format.md, "API objects"):
 * objects/TYPE/NAMESPACE/NAME.json for namespaced types, objects/TYPE/NAME.json for
 * cluster-scoped ones, TYPE spelled "deployments.apps" (or "configmaps" in the core group).
 * Each object is its own file blob, so an object that did not change costs nothing.
 */
import { typeName, type ResourceType } from '../../core/objects/types.ts';
import type { Id } from '../../repository/hash.ts';
import { recordNode } from '../../repository/item-nodes.ts';
import type { TreeNode } from '../../repository/tree.ts';

export { directoryNode } from '../../repository/item-nodes.ts';

export const OBJECTS_DIR = 'objects';
const SUFFIX = '.json';

export function objectFileName(name: string): string {
  return `${name}${SUFFIX}`;
}

export function objectNameOf(fileName: string): string | undefined {
  return fileName.endsWith(SUFFIX) ? fileName.slice(0, -SUFFIX.length) : undefined;
}

/** A file node for one object, timed by its creation so that an unchanged object's node stays identical. */
export function objectNode(name: string, content: Id, size: number, created: string | undefined): TreeNode {
  return recordNode(objectFileName(name), content, size, created);
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
