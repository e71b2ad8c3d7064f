/**
 * The Helm chart in deploy/helm/strata: `helm template` renders both modes, the result
 * passes `kubectl apply --dry-run=server` against the test bed's API server, the rendered
 * strata.yaml passes `strata config check`, and the security shape holds: read-only backup
 * role, separate restore role, non-root serve pods, the etcd job pinned to control-plane
 * nodes with read-only hostPath mounts and no privileged container.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { binary } from '../testbed/binaries.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { kubectl } from './helpers/workloads.ts';

const chart = fileURLToPath(new URL('../deploy/helm/strata', import.meta.url));

interface Manifest {
  kind: string;
  metadata: { name: string };
  [key: string]: unknown;
}

function render(release: string, namespace: string, values: readonly string[]): { text: string; docs: Manifest[] } {
  const text = execFileSync(binary('helm', 'helm'), ['template', release, chart, '--namespace', namespace, ...values.flatMap((v) => ['--set', v])], { encoding: 'utf8' });
  return { text, docs: parseAllDocuments(text).map((d) => d.toJS() as Manifest).filter((d) => d !== null) };
}

// Rendered manifests are read field by field below; their shapes are the Kubernetes API's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rendered = Manifest & Record<string, any>;

const find = (docs: Manifest[], kind: string, suffix: string): Rendered => {
  const found = docs.find((d) => d.kind === kind && d.metadata.name.endsWith(suffix));
  if (found === undefined) throw new Error(`no ${kind} *${suffix} rendered`);
  return found as Rendered;
};

describe('Helm chart', () => {
  const cluster = useCluster({ name: 'helm', nodes: 1 });
  const s = scratch();

  it('serve mode with the etcd job and the restore role renders, passes a server-side dry run, and has the security shape', async () => {
    const ns = cluster().namespace;
    const { text, docs } = render('strata', ns, ['etcdSnapshot.enabled=true', 'restore.enabled=true', 'repositorySecret.existingSecret=strata-repo']);
    const applied = kubectl(cluster().bed.kubeconfig, ['apply', '--dry-run=server', '-n', ns, '-f', '-'], text);
    expect(applied).toMatch(/deployment\.apps\/strata-serve created \(server dry run\)/);
    expect(applied).toMatch(/cronjob\.batch\/strata-etcd created \(server dry run\)/);

    const serve = find(docs, 'Deployment', '-serve');
    expect(serve.spec.replicas).toBe(2);
    const container = serve.spec.template.spec.containers[0];
    expect(container.args).toContain(`--lease=${ns}/strata-serve`);
    expect(serve.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });

    const backup = find(docs, 'ClusterRole', '-backup');
    expect(new Set(backup.rules.flatMap((r: { verbs: string[] }) => r.verbs))).toEqual(new Set(['get', 'list', 'watch']));
    const restore = find(docs, 'ClusterRole', '-restore');
    expect(restore.rules.flatMap((r: { verbs: string[] }) => r.verbs)).toContain('create');
    expect(find(docs, 'ClusterRoleBinding', '-restore').subjects[0].name).toBe('strata-restore');
    expect(find(docs, 'ClusterRoleBinding', '-backup').subjects[0].name).toBe('strata-backup');

    const etcd = find(docs, 'CronJob', '-etcd').spec.jobTemplate.spec.template.spec;
    expect(etcd.nodeSelector).toHaveProperty(['node-role.kubernetes.io/control-plane']);
    expect(etcd.tolerations[0].key).toBe('node-role.kubernetes.io/control-plane');
    const hostPath = etcd.volumes.find((v: { hostPath?: { path: string } }) => v.hostPath !== undefined);
    expect(hostPath.hostPath.path).toBe('/etc/kubernetes');
    expect(etcd.containers[0].volumeMounts.find((m: { name: string }) => m.name === hostPath.name).readOnly).toBe(true);
    expect(etcd.containers[0].securityContext.privileged).toBe(false);
    expect(text).not.toMatch(/privileged: true/);

    // The dashboard: the token from a Secret mounted read-only, never a value; an Ingress on the serve Service when asked for.
    expect(container.args.some((a: string) => a.startsWith('--dashboard-token-file'))).toBe(false);
    expect(docs.some((d) => d.kind === 'Ingress')).toBe(false);
    const dashboard = render('strata', ns, ['dashboard.tokenSecret.name=strata-dashboard', 'dashboard.ingress.enabled=true', 'dashboard.ingress.host=strata.bed.example']);
    expect(kubectl(cluster().bed.kubeconfig, ['apply', '--dry-run=server', '-n', ns, '-f', '-'], dashboard.text)).toMatch(/ingress\.networking\.k8s\.io\/strata-dashboard created \(server dry run\)/);
    const withToken = find(dashboard.docs, 'Deployment', '-serve').spec.template.spec;
    expect(withToken.containers[0].args).toContain('--dashboard-token-file=/etc/strata/dashboard/token');
    expect(withToken.containers[0].volumeMounts).toContainEqual({ name: 'dashboard-token', mountPath: '/etc/strata/dashboard', readOnly: true });
    expect(withToken.volumes.find((v: { name: string }) => v.name === 'dashboard-token')).toMatchObject({ secret: { secretName: 'strata-dashboard', items: [{ key: 'token', path: 'token' }] } });
    expect(dashboard.text).toMatch(/secretName: strata-dashboard\n\s+defaultMode: 0400\n/);
    const ingress = find(dashboard.docs, 'Ingress', '-dashboard');
    expect(ingress.spec.rules[0]).toMatchObject({ host: 'strata.bed.example', http: { paths: [{ path: '/', backend: { service: { name: 'strata-serve', port: { name: 'metrics' } } } }] } });

    // Alert rules, when asked for, aggregate across replicas so that they cannot flap.
    expect(docs.some((d) => d.kind === 'PrometheusRule')).toBe(false);
    const rule = find(render('strata', ns, ['alerts.prometheusRule=true']).docs, 'PrometheusRule', 'strata');
    expect(rule.spec.groups[0].rules[0]).toMatchObject({ alert: 'StrataRPOViolated', expr: 'max by (plan) (strata_plan_rpo_compliant) == 0', for: '15m' });

    // The strata.yaml the chart renders is one strata accepts.
    const config = find(docs, 'ConfigMap', '-config').data['strata.yaml'] as string;
    const file = join(s.dir, 'chart-strata.yaml');
    writeFileSync(file, config);
    await s.ok(['config', 'check', '--offline', '--config', file]);
  }, 120_000);

  it('cronjob mode renders one CronJob per scheduled plan, keeps secrets out of the ConfigMap, and passes a server-side dry run', () => {
    const ns = cluster().namespace;
    const { text, docs } = render('backups', ns, [
      'mode=cronjob',
      'repositorySecret.create=true',
      'repositorySecret.data.password=not-in-the-configmap',
      'config.plans.hourly.repository=main',
      'config.plans.hourly.sources[0].type=objects',
      'config.plans.hourly.schedule.cron=0 * * * *',
      'config.plans.hourly.schedule.timeZone=Europe/Rome',
    ]);
    kubectl(cluster().bed.kubeconfig, ['apply', '--dry-run=server', '-n', ns, '-f', '-'], text);
    const cronJobs = docs.filter((d) => d.kind === 'CronJob') as Rendered[];
    expect(cronJobs.map((c) => c.metadata.name).sort()).toEqual(['backups-strata-hourly', 'backups-strata-objects']);
    const hourly = cronJobs.find((c) => c.metadata.name.endsWith('-hourly'))!;
    expect(hourly.spec).toMatchObject({ schedule: '0 * * * *', timeZone: 'Europe/Rome', concurrencyPolicy: 'Forbid' });
    expect(hourly.spec.jobTemplate.spec.template.spec.containers[0].args.slice(0, 2)).toEqual(['run', 'hourly']);
    expect(docs.some((d) => d.kind === 'Deployment')).toBe(false);
    expect(find(docs, 'ConfigMap', '-config').data['strata.yaml']).not.toContain('not-in-the-configmap');
    expect(find(docs, 'Secret', '-repository').stringData.password).toBe('not-in-the-configmap');
  }, 120_000);

  it('the volume agent runs the files plan on every node with the kubelet\'s pods read-only, and only there', async () => {
    const ns = cluster().namespace;
    const { text, docs } = render('strata', ns, [
      'volumeAgent.enabled=true',
      'volumeAgent.hostPaths[0]=/mnt/disks',
      'repositorySecret.existingSecret=strata-repo',
      'config.plans.volume-files.repository=main',
      'config.plans.volume-files.sources[0].type=volumes',
      'config.plans.volume-files.sources[0].mode=files',
      'config.plans.volume-files.schedule.cron=0 2 * * *',
    ]);
    expect(kubectl(cluster().bed.kubeconfig, ['apply', '--dry-run=server', '-n', ns, '-f', '-'], text)).toMatch(/daemonset\.apps\/strata-volume-agent created \(server dry run\)/);
    const agent = find(docs, 'DaemonSet', '-volume-agent').spec.template.spec;
    const container = agent.containers[0];
    expect(container.args).toEqual(expect.arrayContaining(['serve', '--plan=volume-files', '--host-root=/host', '--node=$(NODE_NAME)', '--host=$(NODE_NAME)']));
    expect(container.args.some((a: string) => a.startsWith('--lease'))).toBe(false); // every node runs its own
    expect(container.securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH'] } });
    const mounts = Object.fromEntries(container.volumeMounts.map((m: { name: string; mountPath: string; readOnly?: boolean }) => [m.mountPath, m.readOnly === true]));
    expect(mounts).toMatchObject({ '/host/var/lib/kubelet/pods': true, '/host/mnt/disks': true });
    expect(agent.volumes.filter((v: { hostPath?: unknown }) => v.hostPath !== undefined).map((v: { hostPath: { path: string } }) => v.hostPath.path).sort()).toEqual(['/mnt/disks', '/var/lib/kubelet/pods']);
    // The serve Deployment runs the other scheduled plans, not the agent's.
    const serveArgs = find(docs, 'Deployment', '-serve').spec.template.spec.containers[0].args as string[];
    expect(serveArgs.filter((a) => a.startsWith('--plan='))).toEqual(['--plan=objects']);
    const file = join(s.dir, 'agent-strata.yaml');
    writeFileSync(file, find(docs, 'ConfigMap', '-config').data['strata.yaml'] as string);
    await s.ok(['config', 'check', '--offline', '--config', file]);
    // In cronjob mode the agent's plan gets no CronJob either.
    const cron = render('strata', ns, ['mode=cronjob', 'volumeAgent.enabled=true', 'config.plans.volume-files.repository=main', 'config.plans.volume-files.sources[0].type=volumes', 'config.plans.volume-files.schedule.cron=0 2 * * *']);
    expect(cron.docs.filter((d) => d.kind === 'CronJob').map((d) => d.metadata.name)).toEqual(['strata-objects']);
  }, 120_000);
});
