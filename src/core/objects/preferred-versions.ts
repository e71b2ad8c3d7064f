/**
 * Which version of each resource a backup reads: the most preferred version of its group
 * that serves it, as client-go's ServerPreferredResources chooses. A group that prefers v1
 * but serves some kinds only at v1alpha1 (common with operators) still has those kinds
 * backed up — at v1alpha1 — instead of losing every object of them.
 */
import { typeName, type ResourceType } from './types.ts';

export interface GroupVersions {
  readonly group: string;
  /** Served versions, most preferred first (the discovery API's order, the preferred one moved to the front). */
  readonly versions: readonly string[];
}

/** Served versions in preference order: the group's preferredVersion first, then the rest as listed. */
export function preferenceOrder(versions: readonly string[], preferred: string | undefined): string[] {
  return preferred === undefined || !versions.includes(preferred) ? [...versions] : [preferred, ...versions.filter((v) => v !== preferred)];
}

/**
 * One type per (group, resource): the first version, in the group's preference order, that
 * serves it. `served` holds every resource of every group version discovery could read.
 */
export function preferredTypes(groups: readonly GroupVersions[], served: ReadonlyMap<string, readonly ResourceType[]>): ResourceType[] {
  const types: ResourceType[] = [];
  for (const { group, versions } of groups) {
    const seen = new Set<string>();
    for (const version of versions) {
      for (const type of served.get(groupVersion(group, version)) ?? []) {
        if (seen.has(type.resource)) continue;
        seen.add(type.resource);
        types.push(type);
      }
    }
  }
  return types;
}

/** Every served version of each resource ("widgets.example.io" → ['v1', 'v1alpha1']), most preferred first. */
export function servedVersions(groups: readonly GroupVersions[], served: ReadonlyMap<string, readonly ResourceType[]>): Map<string, string[]> {
  const versions = new Map<string, string[]>();
  for (const { group, versions: order } of groups) {
    for (const version of order) {
      for (const type of served.get(groupVersion(group, version)) ?? []) {
        const name = typeName(type);
        versions.set(name, [...(versions.get(name) ?? []), version]);
      }
    }
  }
  return versions;
}

export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
