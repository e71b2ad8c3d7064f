/**
 * Every served resource type, through the discovery API: the core group and every group
 * under /apis (built-in, CRDs and aggregated APIs alike), each resource at the most
 * preferred version that serves it (core/objects/preferred-versions.ts). A group version
 * that cannot be read (an aggregated API that is down) is reported, not fatal: the rest of
 * the cluster is still backed up.
 */
import { groupVersion, preferenceOrder, preferredTypes, servedVersions, type GroupVersions } from '../core/objects/preferred-versions.ts';
import type { ResourceType } from '../core/objects/types.ts';
import type { KubeHttp } from './http.ts';
import { groupVersionPath } from './resource-path.ts';

export interface DiscoveryFailure {
  readonly groupVersion: string;
  readonly error: string;
}

export interface Discovery {
  readonly types: readonly ResourceType[];
  /** Every served version of each type ("deployments.apps" → ['v1']), most preferred first. */
  readonly versions: ReadonlyMap<string, readonly string[]>;
  readonly failures: readonly DiscoveryFailure[];
}

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
}

interface ApiGroupList {
  groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
}

export async function discover(http: KubeHttp): Promise<Discovery> {
  const core = await http.json<{ versions: string[] }>('/api');
  const groups = await http.json<ApiGroupList>('/apis');
  const wanted: GroupVersions[] = core.versions.includes('v1') ? [{ group: '', versions: ['v1'] }] : [];
  for (const group of groups.groups) {
    wanted.push({ group: group.name, versions: preferenceOrder(group.versions.map((v) => v.version), group.preferredVersion?.version) });
  }
  const served = new Map<string, ResourceType[]>();
  const failures: DiscoveryFailure[] = [];
  await Promise.all(
    wanted.flatMap(({ group, versions }) => versions.map(async (version) => {
      try {
        const list = await http.json<{ resources: ApiResource[] }>(groupVersionPath(group, version));
        // "deployments/scale" and the like are subresources, not types.
        served.set(groupVersion(group, version), list.resources.filter((r) => !r.name.includes('/')).map((r) => ({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] })));
      } catch (error) {
        failures.push({ groupVersion: groupVersion(group, version), error: (error as Error).message });
      }
    })),
  );
  const types = preferredTypes(wanted, served);
  types.sort((a, b) => (a.group + '/' + a.resource < b.group + '/' + b.resource ? -1 : 1));
  failures.sort((a, b) => (a.groupVersion < b.groupVersion ? -1 : 1));
  return { types, versions: servedVersions(wanted, served), failures };
}
