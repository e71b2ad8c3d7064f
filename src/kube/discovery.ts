/**
 * Every served resource type, through the discovery API: the core group and every group
 * under /apis (built-in, CRDs and aggregated APIs alike), each at its preferred version.
 * A group version that cannot be read (an aggregated API that is down) is reported, not
 * fatal: the rest of the cluster is still backed up.
 */
import type { ResourceType } from '../core/objects/types.ts';
import type { KubeHttp } from './http.ts';
import { groupVersionPath } from './resource-path.ts';

export interface DiscoveryFailure {
  readonly groupVersion: string;
  readonly error: string;
}

export interface Discovery {
  readonly types: readonly ResourceType[];
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
  const wanted: { group: string; version: string }[] = core.versions.includes('v1') ? [{ group: '', version: 'v1' }] : [];
  for (const group of groups.groups) {
    const version = group.preferredVersion?.version ?? group.versions[0]?.version;
    if (version !== undefined) wanted.push({ group: group.name, version });
  }
  const types: ResourceType[] = [];
  const failures: DiscoveryFailure[] = [];
  await Promise.all(
    wanted.map(async ({ group, version }) => {
      try {
        const list = await http.json<{ resources: ApiResource[] }>(groupVersionPath(group, version));
        for (const r of list.resources) {
          // "deployments/scale" and the like are subresources, not types.
          if (r.name.includes('/')) continue;
          types.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] });
        }
      } catch (error) {
        failures.push({ groupVersion: group === '' ? version : `${group}/${version}`, error: (error as Error).message });
      }
    }),
  );
  types.sort((a, b) => (a.group + '/' + a.resource < b.group + '/' + b.resource ? -1 : 1));
  return { types, failures };
}
