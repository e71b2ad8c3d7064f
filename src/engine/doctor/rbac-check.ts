/**
 * Does the identity in the kubeconfig hold what a backup and a restore need? Asked with
 * SelfSubjectAccessReview, which answers for this identity under whatever authorizer the
 * cluster runs (RBAC, webhooks), unlike reading RBAC objects.
 */
import { describeKubeError, type KubeConnection } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { fail, pass, type CheckResult } from './check.ts';

interface Permission {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
}

const all = (verb: string): Permission => ({ verb, group: '*', resource: '*' });

/** Backup reads every type, Secrets included; restore writes every type and binds RBAC it restores. */
export const BACKUP_PERMISSIONS: readonly Permission[] = [all('list'), all('get'), { verb: 'list', group: '', resource: 'secrets' }];
export const RESTORE_PERMISSIONS: readonly Permission[] = [
  all('create'),
  all('patch'),
  all('update'),
  { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
  { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
];

const render = (p: Permission): string => `${p.verb} ${p.resource === '*' ? '*' : p.resource}${p.group === '' || p.group === '*' ? '' : `.${p.group}`}`;

export async function checkPermissions(connection: KubeConnection, purpose: 'backup' | 'restore'): Promise<CheckResult> {
  const id = `rbac-${purpose}`;
  const title = `permissions for ${purpose}`;
  const wanted = purpose === 'backup' ? BACKUP_PERMISSIONS : RESTORE_PERMISSIONS;
  const http = new KubeHttp(connection);
  try {
    const answers = await Promise.all(
      wanted.map(async (permission) => {
        const review = await http.json<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          method: 'POST',
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { ...permission } } },
        });
        return { permission, allowed: review.status?.allowed === true };
      }),
    );
    const missing = answers.filter((a) => !a.allowed).map((a) => render(a.permission));
    if (missing.length === 0) {
      return pass(id, title, `allowed: ${wanted.map(render).join(', ')}`, { missing: [] });
    }
    return fail(id, title, `missing in all namespaces: ${missing.join(', ')}; grant them to this identity (see deploy/ RBAC roles)`, { missing });
  } catch (error) {
    return fail(id, title, `could not ask the API server: ${describeKubeError(error)}`);
  } finally {
    http.close();
  }
}
