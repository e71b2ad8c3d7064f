/**
 * Which namespaces and resource types a backup, restore or diff covers: include/exclude
 * globs for namespaces, kubectl-style names for types ("deployments", "deployments.apps",
 * "Deployment", globs allowed), and whether cluster-scoped types take part.
 */
import { typeName, type ResourceType } from './types.ts';

export interface ObjectFilters {
  readonly includeNamespaces: readonly string[];
  readonly excludeNamespaces: readonly string[];
  readonly includeResources: readonly string[];
  readonly excludeResources: readonly string[];
  readonly clusterScoped: boolean;
}

export const NO_FILTERS: ObjectFilters = { includeNamespaces: [], excludeNamespaces: [], includeResources: [], excludeResources: [], clusterScoped: true };

/** `*` any run of characters, `?` one character; everything else literal; whole string. */
export function globMatches(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

const isGlob = (pattern: string): boolean => /[*?]/.test(pattern);

type NamespaceFilters = Pick<ObjectFilters, 'includeNamespaces' | 'excludeNamespaces'>;

export function namespaceSelected(filters: NamespaceFilters, namespace: string): boolean {
  if (filters.includeNamespaces.length > 0 && !filters.includeNamespaces.some((p) => globMatches(p, namespace))) return false;
  return !filters.excludeNamespaces.some((p) => globMatches(p, namespace));
}

/** Whether the namespace is named literally (not through a glob) among the included ones. */
export function namespaceNamed(filters: NamespaceFilters, namespace: string): boolean {
  return filters.includeNamespaces.some((p) => !isGlob(p) && p === namespace);
}

/** The included namespaces when all of them are literal names: then each can be listed on its own. */
export function literalNamespaces(filters: NamespaceFilters): readonly string[] | undefined {
  if (filters.includeNamespaces.length === 0 || filters.includeNamespaces.some(isGlob)) return undefined;
  return filters.includeNamespaces.filter((n) => namespaceSelected(filters, n));
}

function resourceMatches(pattern: string, type: Pick<ResourceType, 'group' | 'resource' | 'kind'>): boolean {
  const p = pattern.toLowerCase();
  return [typeName(type), type.resource, type.kind.toLowerCase()].some((name) => globMatches(p, name));
}

export function typeSelected(filters: ObjectFilters, type: Pick<ResourceType, 'group' | 'resource' | 'kind' | 'namespaced'>): boolean {
  if (!type.namespaced && !filters.clusterScoped) {
    // Naming a cluster-scoped type explicitly includes it even with cluster-scoped types off.
    if (!filters.includeResources.some((p) => !isGlob(p) && resourceMatches(p, type))) return false;
  }
  if (filters.includeResources.length > 0 && !filters.includeResources.some((p) => resourceMatches(p, type))) return false;
  return !filters.excludeResources.some((p) => resourceMatches(p, type));
}

/**
 * The --include-resources names (not globs) that no served type answers to: a name a user
 * typed wrong, or a type the cluster does not serve, must not yield a silent zero.
 */
export function unmatchedResourceNames(filters: Pick<ObjectFilters, 'includeResources'>, types: readonly Pick<ResourceType, 'group' | 'resource' | 'kind'>[]): string[] {
  return filters.includeResources.filter((p) => !isGlob(p) && !types.some((type) => resourceMatches(p, type)));
}
