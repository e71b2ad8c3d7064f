/**
 * API objects on the real test bed (kube-apiserver, controller manager, scheduler, KWOK):
 * back up a realistic application, delete it, restore it in dependency order, with
 * mappings, into a second empty control plane, as server dry-run against a conflicting
 * target, and as an RBAC-limited user.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { down, up, userKubeconfig } from '../testbed/testbed.ts';
import { filesUnder } from './helpers/file-tree.ts';
import { dumpedObjects } from './helpers/objects-dump.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { applyWorkloads, eventually, getJson, kubectl, settled, workloadNames, type Workloads } from './helpers/workloads.ts';

interface RestoreReport {
  result: string;
  counts: Record<string, number>;
  items: { key: string; action: string; reason?: string }[];
  leftToTarget: { key: string; reason: string }[];
}

interface Saved {
  id: string;
  result: string;
  sources: { type: string; record?: { objects: number; skipped: { type: string; reason: string; count?: number }[]; failures: { type: string; namespaces?: string[]; error: string }[] } }[];
}

const mine = (w: Workloads) => (key: string): boolean => key.includes(w.shop) || key.includes(w.ops) || key.includes(w.crdGroup) || key.includes(w.storageClass) || w.volumes.some((v) => key.endsWith(`/${v}`)) || key.includes(w.webhook);

describe('API objects: backup, restore, mappings, migration, dry-run, RBAC', () => {
  const cluster = useCluster({ name: 'objects', nodes: 1 });
  const s = scratch();
  const repo = join(s.dir, 'repo');
  const w = workloadNames('app');
  let snapshot: Saved;
  let volumeOf: Map<string, string>;

  afterAll(async () => {
    if (process.env['STRATA_TESTBED_KEEP'] !== '1') await down('objects-b');
  });

  const kc = (): string => cluster().bed.kubeconfig;
  const restore = async (args: readonly string[], kubeconfig = kc()): Promise<RestoreReport> => {
    const result = await s.run(['restore', '--repo', repo, '--kubeconfig', kubeconfig, '--json', '--objects', snapshot.id, ...args]);
    if (result.code !== 0 && result.code !== 3) throw new Error(`restore exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as RestoreReport;
  };

  it('backs up every object as its own item, leaving out what controllers recreate', async () => {
    await applyWorkloads(kc(), w);
    kubectl(kc(), ['label', 'node', 'kwok-node-0', 'strata.test/rack=r7', '--overwrite']);
    volumeOf = new Map(getJson<{ items: { metadata: { name: string }; spec: { volumeName: string } }[] }>(kc(), ['pvc', '-n', w.shop]).items.map((c) => [c.metadata.name, c.spec.volumeName]));
    await s.ok(['init', '--repo', repo]);
    const backup = await s.ok(['backup', '--repo', repo, '--kubeconfig', kc(), '--objects', '--json']);
    snapshot = JSON.parse(backup.stdout) as Saved;
    expect(snapshot.result).toBe('completed');
    const record = snapshot.sources.find((x) => x.type === 'objects')!.record!;
    expect(record.failures).toEqual([]);
    expect(record.skipped).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'pods', reason: 'recreated by its ReplicaSet' }),
      expect.objectContaining({ type: 'pods', reason: 'recreated by its StatefulSet' }),
      expect.objectContaining({ type: 'replicasets.apps', reason: 'recreated by its Deployment' }),
      expect.objectContaining({ type: 'events' }),
      expect.objectContaining({ type: 'leases.coordination.k8s.io' }),
      expect.objectContaining({ type: 'endpoints', reason: 'managed by the endpoints controller for its Service' }),
    ]));
    const listing = await s.ok(['ls', '--repo', repo, snapshot.id, '/objects/secrets']);
    expect(listing.stdout).toContain('objects.jsonl');
    const dump = join(s.dir, `dump-${snapshot.id.slice(0, 8)}`);
    await s.ok(['restore', snapshot.id, '--repo', repo, '--target', dump, '--include', '/objects/secrets']);
    expect(dumpedObjects(dump).get('secrets')!.filter((o) => o.metadata.namespace === w.shop).map((o) => o.metadata.name)).toContain('creds');
    // Secrets are sealed like everything else: neither the value nor its base64 is in any file.
    const secret = `s3cret-${w.shop}`;
    for (const file of filesUnder(repo)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(secret), file).toBe(false);
      expect(bytes.includes(Buffer.from(secret).toString('base64')), file).toBe(false);
    }
    // An unchanged cluster costs next to nothing: every object blob is known already.
    const again = JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc(), '--objects', '--json', '--include-namespaces', w.shop])).stdout) as { id: string; summary: { newBytes: number; files: number } };
    expect(again.summary.files).toBeGreaterThan(20);
    expect(again.summary.newBytes).toBeLessThan(20_000);
    const between = JSON.parse((await s.ok(['diff', '--repo', repo, '--json', snapshot.id, '--against', again.id, '--include-namespaces', w.shop])).stdout) as { added: string[]; removed: string[]; changed: unknown[]; unchanged: number };
    expect(between).toMatchObject({ added: [], removed: [], changed: [] });
    expect(between.unchanged).toBeGreaterThan(20);
  });

  it('restores a deleted application in dependency order: claims bound to the same volumes, pods Running, webhook last', async () => {
    kubectl(kc(), ['delete', 'validatingwebhookconfiguration', w.webhook]);
    kubectl(kc(), ['delete', 'namespace', w.shop, w.ops, '--wait=true', '--timeout=120s']);
    kubectl(kc(), ['delete', 'pv', ...w.volumes, '--wait=true', '--timeout=60s']);
    kubectl(kc(), ['delete', 'crd', `widgets.${w.crdGroup}`, '--wait=true', '--timeout=60s']);
    kubectl(kc(), ['delete', 'storageclass', w.storageClass]);

    const report = await restore([]);
    const failed = report.items.filter((i) => i.action === 'failed');
    expect(failed).toEqual([]);
    const created = new Set(report.items.filter((i) => i.action === 'created').map((i) => i.key));
    for (const key of [
      `customresourcedefinitions.apiextensions.k8s.io/widgets.${w.crdGroup}`, `namespaces/${w.shop}`, `storageclasses.storage.k8s.io/${w.storageClass}`,
      `persistentvolumes/${w.volumes[0]}`, `persistentvolumeclaims/${w.shop}/data`, `configmaps/${w.shop}/guarded`, `deployments.apps/${w.shop}/web`,
      `statefulsets.apps/${w.shop}/db`, `cronjobs.batch/${w.shop}/nightly`, `horizontalpodautoscalers.autoscaling/${w.shop}/web`,
      `networkpolicies.networking.k8s.io/${w.shop}/default-deny`, `ingresses.networking.k8s.io/${w.shop}/web`, `widgets.${w.crdGroup}/${w.shop}/w1`,
      `validatingwebhookconfigurations.admissionregistration.k8s.io/${w.webhook}`, `deployments.apps/${w.ops}/agent`,
    ]) expect(created, key).toContain(key);
    // The webhook refuses guarded ConfigMaps: it must have been created after them.
    const order = report.items.map((i) => i.key);
    expect(order.indexOf(`validatingwebhookconfigurations.admissionregistration.k8s.io/${w.webhook}`)).toBeGreaterThan(order.indexOf(`configmaps/${w.shop}/guarded`));

    await settled(kc(), w);
    for (const [claim, volume] of volumeOf) {
      const pvc = getJson<{ metadata: { uid: string }; spec: { volumeName: string }; status: { phase: string } }>(kc(), ['pvc', '-n', w.shop, claim]);
      expect(pvc.spec.volumeName).toBe(volume);
      const pv = getJson<{ spec: { claimRef: { uid: string } }; status: { phase: string } }>(kc(), ['pv', volume]);
      expect(pv.status.phase).toBe('Bound');
      expect(pv.spec.claimRef.uid).toBe(pvc.metadata.uid);
    }
    const services = getJson<{ items: { metadata: { name: string }; spec: { clusterIP: string; ports: { name?: string; nodePort?: number }[] } }[] }>(kc(), ['svc', '-n', w.shop]).items;
    const byName = new Map(services.map((x) => [x.metadata.name, x.spec]));
    expect(byName.get('db')!.clusterIP).toBe('None');
    expect(byName.get('web')!.clusterIP).toMatch(/^10\.96\./);
    expect(byName.get('web-public')!.ports.find((p) => p.name === 'chosen')!.nodePort).toBe(30080);
    expect(getJson(kc(), ['widgets', '-n', w.shop, 'w1']).spec).toEqual({ size: 3, colour: 'red' });
    expect(Buffer.from(getJson<{ data: { password: string } }>(kc(), ['secret', '-n', w.shop, 'creds']).data.password, 'base64').toString()).toBe(`s3cret-${w.shop}`);
    await eventually('StatefulSet pods Running', () => getJson<{ items: { status?: { phase?: string } }[] }>(kc(), ['pods', '-n', w.shop, '-l', 'app=db']).items.filter((p) => p.status?.phase === 'Running').length === 2);

    // Everything restored equals the backup after sanitising: a second pass finds nothing to do.
    const second = await restore(['--dry-run=server']);
    const ours = second.items.filter((i) => mine(w)(i.key));
    expect(ours.length).toBeGreaterThan(25);
    expect(ours.filter((i) => i.action !== 'unchanged')).toEqual([]);
    // What every namespace gets from the cluster itself is left to it, and listed.
    expect(second.leftToTarget.map((l) => l.key)).toEqual(expect.arrayContaining([`configmaps/${w.shop}/kube-root-ca.crt`, `serviceaccounts/${w.shop}/default`]));
  });

  it('restores under a namespace mapping and a storage-class mapping, with references rewritten', async () => {
    const copy = `${w.shop}-copy`;
    const other = `${w.storageClass}-fast`;
    const mapping = ['--include-namespaces', w.shop, '--exclude-resources', 'configmaps', '--namespace-mapping', `${w.shop}:${copy}`, '--storage-class-mapping', `${w.storageClass}:${other}`];
    const report = await restore(mapping);
    // Real conflicts, named: the copy cannot have the original's node port, and its claims
    // cannot have the volumes the original claims are bound to (they would stay Pending).
    expect(report.items.filter((i) => i.action === 'failed')).toEqual([
      ...['data', 'data-db-0', 'data-db-1'].map((claim) => ({ key: `persistentvolumeclaims/${copy}/${claim}`, action: 'failed', reason: expect.stringMatching(new RegExp(`is bound to claim ${w.shop}/${claim}: this claim would stay Pending`)) })),
      { key: `services/${copy}/web-public`, action: 'failed', reason: expect.stringMatching(/30080: provided port is already allocated/) },
    ]);
    // The claims themselves are mapped to the other storage class (the printed plan shows it).
    const plan = JSON.parse((await s.ok(['restore', '--repo', repo, '--kubeconfig', kc(), '--json', '--objects', snapshot.id, ...mapping, '--dry-run'])).stdout) as { plan: { steps: { items: { key: string; object: { spec: { storageClassName: string } } }[] }[] } };
    expect(plan.plan.steps.flatMap((x) => x.items).find((i) => i.key === `persistentvolumeclaims/${copy}/data`)!.object.spec.storageClassName).toBe(other);
    const binding = getJson<{ subjects: { namespace: string }[] }>(kc(), ['rolebinding', '-n', copy, 'bot-reader']);
    expect(binding.subjects[0]!.namespace).toBe(copy);
    expect(getJson<{ spec: { volumeClaimTemplates: { spec: { storageClassName: string } }[] } }>(kc(), ['statefulset', '-n', copy, 'db']).spec.volumeClaimTemplates[0]!.spec.storageClassName).toBe(other);
    expect(getJson(kc(), ['widgets', '-n', copy, 'w1']).spec).toEqual({ size: 3, colour: 'red' });
    // The volumes belong to the original claims: the mapped copies are reported, not stolen.
    const pv = report.items.find((i) => i.key === `persistentvolumes/${w.volumes[0]}`)!;
    expect(pv.action).toBe('skipped');
    expect(pv.reason).toMatch(/spec\.claimRef\.namespace/);
    expect(getJson<{ spec: { claimRef: { namespace: string } } }>(kc(), ['pv', w.volumes[0]!]).spec.claimRef.namespace).toBe(w.shop);
  });

  it('server dry-run on a conflicting target reports the conflicts and changes nothing', async () => {
    kubectl(kc(), ['-n', w.ops, 'patch', 'configmap', 'settings', '-p', '{"data":{"level":"info"}}']);
    kubectl(kc(), ['-n', w.ops, 'delete', 'deployment', 'agent']);
    const result = await s.run(['restore', '--repo', repo, '--kubeconfig', kc(), '--json', '--objects', snapshot.id, '--include-namespaces', w.ops, '--existing', 'fail', '--dry-run=server']);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as RestoreReport;
    const item = (key: string) => report.items.find((i) => i.key === key)!;
    expect(item(`configmaps/${w.ops}/settings`)).toMatchObject({ action: 'failed', reason: expect.stringMatching(/differs in data\.level.*--existing fail/) });
    expect(item(`deployments.apps/${w.ops}/agent`).action).toBe('created');
    expect(getJson<{ data: { level: string } }>(kc(), ['configmap', '-n', w.ops, 'settings']).data.level).toBe('info');
    expect(() => kubectl(kc(), ['-n', w.ops, 'get', 'deployment', 'agent'])).toThrow(/NotFound|not found/);
  });

  it('--existing update makes existing objects equal to the backup', async () => {
    kubectl(kc(), ['-n', w.ops, 'create', 'configmap', 'drifted', '--from-literal=x=y']);
    const report = await restore(['--include-namespaces', w.ops, '--include-resources', 'configmaps', '--existing', 'update']);
    expect(report.items.find((i) => i.key === `configmaps/${w.ops}/settings`)).toMatchObject({ action: 'updated', reason: expect.stringContaining('data.level') });
    expect(getJson<{ data: { level: string } }>(kc(), ['configmap', '-n', w.ops, 'settings']).data.level).toBe('debug');
    kubectl(kc(), ['-n', w.ops, 'patch', 'configmap', 'settings', '-p', '{"data":{"level":"info"}}']);
    kubectl(kc(), ['-n', w.ops, 'delete', 'configmap', 'drifted']);
  });

  it('reports drift against the live cluster field by field', async () => {
    const result = await s.ok(['diff', '--repo', repo, '--kubeconfig', kc(), '--json', snapshot.id, '--include-namespaces', w.ops]);
    const drift = JSON.parse(result.stdout) as { added: string[]; removed: string[]; changed: { key: string; changes: { path: string; before: unknown; after: unknown }[] }[] };
    expect(drift.removed).toEqual([`deployments.apps/${w.ops}/agent`]);
    expect(drift.changed).toEqual([{ key: `configmaps/${w.ops}/settings`, changes: [{ path: 'data.level', before: 'debug', after: 'info' }] }]);
    const exit = await s.run(['diff', '--repo', repo, '--kubeconfig', kc(), snapshot.id, '--include-namespaces', w.ops, '--exit-code']);
    expect(exit.code).toBe(1);
    expect(exit.stdout).toContain('data.level: "debug" → "info"');
  });

  it('an RBAC-limited identity gets a partially-failed snapshot that names what it could not read', async () => {
    const name = `limited-${randomBytes(3).toString('hex')}`;
    const user = userKubeconfig(cluster().bed, name);
    kubectl(kc(), ['create', 'clusterrole', name, '--verb=list,get', '--resource=namespaces']);
    kubectl(kc(), ['create', 'clusterrolebinding', name, `--clusterrole=${name}`, `--user=${name}`]);
    kubectl(kc(), ['-n', w.shop, 'create', 'role', name, '--verb=list,get', '--resource=configmaps']);
    kubectl(kc(), ['-n', w.shop, 'create', 'rolebinding', name, `--role=${name}`, `--user=${name}`]);
    const result = await s.run(['backup', '--repo', repo, '--kubeconfig', user, '--objects', '--json']);
    expect(result.code).toBe(3);
    const saved = JSON.parse(result.stdout) as Saved;
    expect(saved.result).toBe('partially-failed');
    const failures = saved.sources.find((x) => x.type === 'objects')!.record!.failures;
    expect(failures).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'secrets', error: expect.stringMatching(/403/) })]));
    const configmaps = failures.find((f) => f.type === 'configmaps')!;
    expect(configmaps.namespaces).toContain(w.ops);
    expect(configmaps.namespaces).not.toContain(w.shop);
    expect(result.stderr).toMatch(/warning: objects: secrets/);
    const dump = join(s.dir, `dump-${saved.id.slice(0, 8)}`);
    await s.ok(['restore', saved.id, '--repo', repo, '--target', dump, '--include', '/objects']);
    const stored = dumpedObjects(dump);
    expect(stored.get('configmaps')!.filter((o) => o.metadata.namespace === w.shop).map((o) => o.metadata.name)).toContain('cfg');
    expect(stored.has('secrets')).toBe(false);
  });

  it('records an aggregated API that is down and stores everything else', async () => {
    const group = `${w.crdGroup.replace('.example.com', '')}-metrics.example.com`;
    kubectl(kc(), ['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: `v1.${group}` },
      spec: { group, version: 'v1', groupPriorityMinimum: 100, versionPriority: 10, insecureSkipTLSVerify: true, service: { namespace: w.ops, name: 'no-such-metrics', port: 443 } },
    }));
    try {
      const result = await s.run(['backup', '--repo', repo, '--kubeconfig', kc(), '--objects', '--json', '--include-namespaces', w.ops]);
      expect(result.code).toBe(3);
      const saved = JSON.parse(result.stdout) as Saved;
      const record = saved.sources.find((x) => x.type === 'objects')!.record!;
      expect(record.failures).toEqual([expect.objectContaining({ type: `${group}/v1`, error: expect.stringMatching(/^discovery: /) })]);
      expect(record.objects).toBeGreaterThan(2);
    } finally {
      kubectl(kc(), ['delete', 'apiservice', `v1.${group}`]);
    }
  });

  it('migrates the snapshot into a second, empty control plane', async () => {
    const b = await up({ name: 'objects-b', nodes: 1 });
    const report = await restore(['--exclude-namespaces', 't-*', '--restore-node-metadata'], b.kubeconfig);
    expect(report.items.filter((i) => i.action === 'failed')).toEqual([]);
    // Nodes are not created, but the one of the same name gets its saved labels back.
    expect(report.items.find((i) => i.key === 'nodes/kwok-node-0')).toMatchObject({ action: 'updated' });
    expect(getJson<{ metadata: { labels: Record<string, string> } }>(b.kubeconfig, ['node', 'kwok-node-0']).metadata.labels['strata.test/rack']).toBe('r7');
    await settled(b.kubeconfig, w);
    expect(getJson(b.kubeconfig, ['widgets', '-n', w.shop, 'w1']).spec).toEqual({ size: 3, colour: 'red' });
    expect(getJson<{ data: { level: string } }>(b.kubeconfig, ['configmap', '-n', w.ops, 'settings']).data.level).toBe('debug');
  });
});
