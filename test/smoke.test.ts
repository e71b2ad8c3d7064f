/**
 * The foundation's smoke test, on the real test bed: doctor passes against a running control
 * plane, fails naming etcd when its member is killed, and a kubeconfig pointing at a closed
 * port gives one clear error instead of a stack trace.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../testbed/processes.ts';
import { stopComponent, userKubeconfig } from '../testbed/testbed.ts';
import { useCluster } from './helpers/testbed.ts';
import { strata } from './helpers/strata.ts';

interface DoctorReport {
  ok: boolean;
  checks: { id: string; status: string; detail: string; data?: Record<string, unknown> }[];
}

describe('test bed and strata doctor', () => {
  const cluster = useCluster({ name: 'smoke' });

  it('runs Deployments to Running on KWOK nodes', async () => {
    const { kubeconfig, namespace } = cluster();
    await kubeconfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });
    const core = kubeconfig.makeApiClient(CoreV1Api);
    await waitFor('pods Running', async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      return pods.items.length === 2 && pods.items.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName?.startsWith('kwok-node-'));
    }, 60_000);
  });

  it('passes every check against the test bed, in text and JSON', async () => {
    const { bed } = cluster();
    const repo = mkdtempSync(join(tmpdir(), 'strata-doctor-repo-'));
    const args = ['doctor', '--kubeconfig', bed.kubeconfig, '--etcd-endpoints', bed.etcd.endpoints.join(','), '--repo', repo];

    const json = await strata([...args, '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['cluster', 'pass'],
      ['rbac-backup', 'pass'],
      ['rbac-restore', 'pass'],
      ['etcd', 'pass'],
      ['repository', 'pass'],
      // No strata.yaml here: its files are not checked.
      ['files', 'skip'],
    ]);
    expect(report.checks[0]?.data?.['serverVersion']).toMatch(/^v1\.\d+\.\d+$/);

    const text = await strata(args);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').filter((l) => l.startsWith('ok'))).toHaveLength(5);
  });

  it('fails the RBAC checks for an identity without permissions, naming what is missing', async () => {
    const { bed } = cluster();
    // A client certificate for a user no RoleBinding mentions: authenticated, authorised for nothing.
    const kubeconfig = userKubeconfig(bed, 'nobody');
    const result = await strata(['doctor', '--kubeconfig', kubeconfig, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as DoctorReport;
    const backup = report.checks.find((c) => c.id === 'rbac-backup');
    expect(backup?.status).toBe('fail');
    expect(backup?.data?.['missing']).toEqual(['list *', 'get *', 'list secrets']);
    expect(result.stderr).toContain('check');
  });

  it('gives one clear error, not a stack trace, for a kubeconfig pointing at a closed port', async () => {
    const { bed } = cluster();
    const closed = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'strata-kubeconfig-'));
    const kubeconfig = join(dir, 'closed.kubeconfig');
    writeFileSync(kubeconfig, readFileSync(bed.kubeconfig, 'utf8').replace(bed.server, `https://127.0.0.1:${closed}`));

    const result = await strata(['doctor', '--kubeconfig', kubeconfig]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL  cluster reachable`);
    expect(result.stdout).toContain(`https://127.0.0.1:${closed}`);
    expect(result.stdout).toContain('connection refused');
    expect(result.stderr).toMatch(/^strata: 1 check failed: cluster\n/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at /);
  });

  it('fails naming etcd when the etcd member is killed', async () => {
    const { bed } = cluster();
    await stopComponent(bed, 'etcd-0');
    const result = await strata(['doctor', '--kubeconfig', bed.kubeconfig, '--etcd-endpoints', bed.etcd.endpoints.join(','), '--json'], { timeoutMs: 90_000 });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as DoctorReport;
    const etcd = report.checks.find((c) => c.id === 'etcd');
    expect(etcd?.status).toBe('fail');
    expect(etcd?.detail).toContain('no quorum');
    expect(etcd?.detail).toContain(bed.etcd.endpoints[0]);
    expect(result.stderr).toContain('etcd');
  });
});
