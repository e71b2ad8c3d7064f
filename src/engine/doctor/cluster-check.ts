/** Is the API server reachable, which version is it, and how many API groups does it serve? */
import { describeKubeError, type KubeConnection } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { fail, pass, type CheckResult } from './check.ts';

export async function checkCluster(connection: KubeConnection): Promise<CheckResult> {
  const title = 'cluster reachable';
  const http = new KubeHttp(connection);
  try {
    const [version, groups] = await Promise.all([http.json<{ gitVersion: string }>('/version'), http.json<{ groups: unknown[] }>('/apis')]);
    // The core group ("v1") is served apart from /apis and counts as one more.
    const groupCount = groups.groups.length + 1;
    return pass('cluster', title, `${connection.server}: Kubernetes ${version.gitVersion}, ${groupCount} API groups`, {
      server: connection.server,
      serverVersion: version.gitVersion,
      apiGroups: groupCount,
    });
  } catch (error) {
    return fail('cluster', title, `${connection.server} (from ${connection.source}): ${describeKubeError(error)}; check that the API server runs and --kubeconfig/--context point at it`, {
      server: connection.server,
    });
  } finally {
    http.close();
  }
}
