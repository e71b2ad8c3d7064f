/**
 * API objects without silent loss, on real manifests (test/helpers/real-manifests.ts): every
 * kind of two operators' CRD sets — Gateway API serves some kinds only below its preferred
 * v1 — with a custom resource each, and a large multi-kind install of Kubernetes' own add-ons
 * and e2e applications. Backed up, deleted, restored and compared field by field; migrated
 * into a second control plane under a namespace mapping; pre-flighted on an empty one. And
 * seed 002's accident: a namespace deleted under its Retain volumes, restored onto them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { down, up } from '../testbed/testbed.ts';
import { dumpedObjects } from './helpers/objects-dump.ts';
import { customResources, largeInstall, operatorCrds } from './helpers/real-manifests.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { claim, deploymentUsing, eventually, getJson, hostPathVolume, kubectl } from './helpers/workloads.ts';

interface Saved {
  id: string;
  result: string;
  sources: { type: string; record?: { objects: number; types: { group: string; version: string; resource: string; objects: number; otherVersions?: unknown }[]; failures: unknown[] } }[];
}

interface RestoreReport {
  result: string;
  counts: Record<string, number>;
  items: { key: string; action: string; reason?: string }[];
  leftToTarget: { key: string; reason: string }[];
}

type Listed = { items: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[] };

/** What the restore must reproduce of an object: all but server-set metadata and status. */
function essence(object: Record<string, unknown>): unknown {
  const rest: Record<string, unknown> = structuredClone(object);
  const metadata = rest['metadata'] as Record<string, unknown>;
  delete rest['metadata'];
  delete rest['status'];
  const annotations = { ...(metadata['annotations'] as Record<string, string> | undefined) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  delete annotations['deployment.kubernetes.io/revision'];
  const spec = rest['spec'] as Record<string, unknown> | undefined;
  // Allocated by the target: a Service's cluster IPs (the restore leaves them to it).
  if (object['kind'] === 'Service' && spec !== undefined && spec['clusterIP'] !== 'None') {
    delete spec['clusterIP'];
    delete spec['clusterIPs'];
  }
  return { ...rest, labels: metadata['labels'] ?? {}, annotations, name: metadata['name'], namespace: metadata['namespace'] };
}

describe('API objects on real manifests', () => {
  const cluster = useCluster({ name: 'fidelity', nodes: 1 });
  const s = scratch();
  const repo = join(s.dir, 'repo');

  afterAll(async () => {
    if (process.env['STRATA_TESTBED_KEEP'] !== '1') await down('fidelity-b');
  });

  it('backs up every kind at a version that serves it, restores them all exactly, migrates and pre-flights', async () => {
    const kc = cluster().bed.kubeconfig;
    const ns = cluster().namespace;
    const crds = operatorCrds();
    for (const file of crds) kubectl(kc, ['apply', '--server-side', '-f', file]);
    const crdNames = crds.map((f) => /^([^_]+)_(.+)\.yaml$/.exec(f.split('/').pop()!)!).map((m) => `${m[2]}.${m[1]}`);
    kubectl(kc, ['wait', '--for', 'condition=Established', '--timeout', '120s', ...crdNames.map((n) => `crd/${n}`)]);
    // Client-side and unvalidated, as these manifests were written for: one carries a field no schema knows.
    kubectl(kc, ['create', '--validate=false', '-f', '-'], largeInstall(ns));
    kubectl(kc, ['apply', '--server-side', '-f', '-'], customResources(ns, ns));
    const kinds = crdNames.map((n) => n.split('.')[0]!);
    const resources = [...kinds, 'configmaps', 'services', 'deployments', 'statefulsets', 'daemonsets', 'serviceaccounts', 'poddisruptionbudgets'];
    const listed = getJson<Listed>(kc, [resources.join(','), '-n', ns]).items;
    // Every kind the CRDs define has an object, most of them in the namespace.
    expect(new Set(listed.map((o) => o.kind)).size).toBeGreaterThanOrEqual(20);

    await s.ok(['init', '--repo', repo]);
    const saved = JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--objects', '--json'])).stdout) as Saved;
    expect(saved.result).toBe('completed');
    const record = saved.sources.find((x) => x.type === 'objects')!.record!;
    const at = (resource: string, group: string) => record.types.find((t) => t.resource === resource && t.group === group);
    // Served only below the group's preferred v1: backed up at the version that serves them.
    expect(at('tcproutes', 'gateway.networking.k8s.io')).toMatchObject({ version: 'v1alpha2', objects: 1 });
    expect(at('udproutes', 'gateway.networking.k8s.io')).toMatchObject({ version: 'v1alpha2', objects: 1 });
    expect(at('referencegrants', 'gateway.networking.k8s.io')).toMatchObject({ version: 'v1beta1', objects: 1 });
    expect(at('tlsroutes', 'gateway.networking.k8s.io')).toMatchObject({ version: 'v1alpha3', objects: 1 });
    expect(at('httproutes', 'gateway.networking.k8s.io')).toMatchObject({ version: 'v1', objects: 1 });
    for (const kind of kinds) expect(record.types.find((t) => t.resource === kind)?.objects, kind).toBeGreaterThanOrEqual(1);

    // `show` lists every type read, zero counts included.
    const show = await s.ok(['show', saved.id, '--repo', repo]);
    expect(show.stdout).toContain('  type      tcproutes.gateway.networking.k8s.io/v1alpha2 1');
    expect(show.stdout).toMatch(/ {2}type {6}\S+ 0\n/);
    // A type named that the cluster does not serve is an error, not "0 objects".
    const typo = await s.run(['backup', '--repo', repo, '--kubeconfig', kc, '--objects', '--include-resources', 'tcproutez,gatewayz']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--include-resources tcproutez, gatewayz: the cluster serves no such resource type');
    const named = JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--objects', '--include-resources', 'tcproutes.gateway.networking.k8s.io', '--json'])).stdout) as Saved;
    expect(named.sources[0]!.record!.objects).toBe(1);
    // Nothing drifted yet.
    await s.ok(['diff', saved.id, '--repo', repo, '--kubeconfig', kc, '--against', 'live', '--include-namespaces', ns, '--exit-code']);

    // The whole snapshot as JSON files: what every restored object is compared with.
    const dump = join(s.dir, 'dump');
    await s.ok(['restore', saved.id, '--repo', repo, '--target', dump, '--include', '/objects']);
    const stored = new Map<string, Record<string, unknown>>();
    for (const objects of dumpedObjects(dump).values()) {
      for (const object of objects) {
        if (object.metadata.namespace === ns || (object.metadata.namespace === undefined && (crdNames.includes(object.metadata.name) || object.metadata.name.endsWith(ns)))) stored.set(`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`, object as Record<string, unknown>);
      }
    }
    expect(stored.size).toBeGreaterThan(45);

    // Delete everything of it: the namespace, the cluster-scoped custom resources, the CRDs.
    kubectl(kc, ['delete', 'namespace', ns, '--wait=true', '--timeout=180s']);
    kubectl(kc, ['delete', 'gatewayclass,xmesh,clusterissuer', '--all', '--wait=true']);
    kubectl(kc, ['delete', 'crd', ...crdNames, '--wait=true']);

    const restored = await s.run(['restore', saved.id, '--repo', repo, '--kubeconfig', kc, '--objects', '--json']);
    const report = JSON.parse(restored.stdout) as RestoreReport;
    expect(report.items.filter((i) => i.action === 'failed')).toEqual([]);
    expect(restored.code).toBe(0);
    expect(report.leftToTarget.map((l) => l.key)).toEqual(expect.arrayContaining([`configmaps/${ns}/kube-root-ca.crt`, `serviceaccounts/${ns}/default`]));
    // The aggregated roles are the target's own: neither skipped nor failed.
    expect(report.items.find((i) => i.key === 'clusterroles.rbac.authorization.k8s.io/admin')).toMatchObject({ action: 'unchanged' });
    for (const [key, object] of stored) {
      const [kind, namespace, name] = key.split('/') as [string, string, string];
      const apiVersion = object['apiVersion'] as string;
      if (kind === 'ConfigMap' && name === 'kube-root-ca.crt') continue;
      if (kind === 'ServiceAccount' && name === 'default') continue;
      // KIND.VERSION.GROUP reads the object at the version it was saved in.
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
      const live = getJson<Record<string, unknown>>(kc, [group === '' ? kind : `${kind}.${version}.${group}`, name, ...(namespace === '' ? [] : ['-n', namespace])]);
      expect(essence(live), key).toEqual(essence(object));
    }
    // Diff and restore agree: what was just restored is no drift.
    await s.ok(['diff', saved.id, '--repo', repo, '--kubeconfig', kc, '--against', 'live', '--include-namespaces', ns, '--exit-code']);

    // An empty control plane of the same version: the runbook's pre-flight passes, then the migration.
    const b = await up({ name: 'fidelity-b', nodes: 1 });
    const preflight = await s.run(['restore', saved.id, '--repo', repo, '--kubeconfig', b.kubeconfig, '--objects', '--dry-run=server', '--existing', 'fail', '--json']);
    const planned = JSON.parse(preflight.stdout) as RestoreReport;
    expect(planned.items.filter((i) => i.action === 'failed')).toEqual([]);
    expect(preflight.code).toBe(0);
    expect(planned.items.find((i) => i.key === `tcproutes.gateway.networking.k8s.io/${ns}/database`)).toMatchObject({ action: 'created', reason: expect.stringContaining('would create after its CustomResourceDefinition') });
    const copy = `${ns}-copy`;
    const migrated = await s.run(['restore', saved.id, '--repo', repo, '--kubeconfig', b.kubeconfig, '--objects', '--include-namespaces', ns, '--namespace-mapping', `${ns}:${copy}`, '--json']);
    expect((JSON.parse(migrated.stdout) as RestoreReport).items.filter((i) => i.action === 'failed')).toEqual([]);
    expect(migrated.code).toBe(0);
    expect(getJson<{ spec: unknown }>(b.kubeconfig, ['tcproutes.v1alpha2.gateway.networking.k8s.io', 'database', '-n', copy]).spec).toEqual((stored.get(`TCPRoute/${ns}/database`)!['spec']));
    expect(getJson<Listed>(b.kubeconfig, ['statefulsets', '-n', copy]).items.map((o) => o.metadata.name).sort()).toEqual(listed.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name).sort());
  }, 900_000);

  it('rebinds Retain volumes to the claims of a deleted namespace, data untouched', async () => {
    const kc = cluster().bed.kubeconfig;
    const ns = cluster().namespace;
    const dirs = { web: join(s.dir, `${ns}-web`), db: join(s.dir, `${ns}-db`) };
    for (const [name, dir] of Object.entries(dirs)) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'data.txt'), `the ${name} data`);
    }
    const storageClass = `retain-${ns}`;
    kubectl(kc, ['apply', '-f', '-'], [
      hostPathVolume({ name: `${ns}-web`, namespace: ns, claim: 'web-data', path: dirs.web, storageClass, retain: true }),
      hostPathVolume({ name: `${ns}-db`, namespace: ns, claim: 'data-db-0', path: dirs.db, storageClass, retain: true }),
      claim({ name: 'web-data', namespace: ns, storageClass }),
      deploymentUsing({ name: 'web', namespace: ns, claim: 'web-data' }),
      `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: ${ns} }
spec:
  replicas: 1
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: postgres, volumeMounts: [{ name: data, mountPath: /var/lib/postgresql }] }] }
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], storageClassName: ${storageClass}, resources: { requests: { storage: 1Gi } } }
`,
    ].join(''));
    const repo = join(s.dir, 'rebind-repo');
    await s.ok(['init', '--repo', repo]);
    type Claims = { items: { metadata: { name: string }; spec: { volumeName?: string }; status: { phase: string } }[] };
    const claims = () => getJson<Claims>(kc, ['pvc', '-n', ns]).items;
    await eventually('both claims to bind', () => claims().length === 2 && claims().every((c) => c.status.phase === 'Bound'), 120_000);
    const saved = JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--objects', '--include-namespaces', ns, '--json'])).stdout) as Saved;

    kubectl(kc, ['delete', 'namespace', ns, '--wait=true', '--timeout=180s']);
    const phase = (name: string) => getJson<{ status: { phase: string } }>(kc, ['pv', `${ns}-${name}`]).status.phase;
    await eventually('the volumes to be Released', () => phase('web') === 'Released' && phase('db') === 'Released', 120_000);

    const preflight = JSON.parse((await s.ok(['restore', saved.id, '--repo', repo, '--kubeconfig', kc, '--objects', '--include-namespaces', ns, '--dry-run=server', '--json'])).stdout) as RestoreReport;
    expect(preflight.items.filter((i) => i.action === 'rebound').map((i) => i.key).sort()).toEqual([`persistentvolumeclaims/${ns}/data-db-0`, `persistentvolumeclaims/${ns}/web-data`, `persistentvolumes/${ns}-db`, `persistentvolumes/${ns}-web`]);
    expect(phase('web')).toBe('Released');

    const restored = await s.run(['restore', saved.id, '--repo', repo, '--kubeconfig', kc, '--objects', '--include-namespaces', ns, '--json']);
    const report = JSON.parse(restored.stdout) as RestoreReport;
    expect(report.items.filter((i) => i.action === 'failed')).toEqual([]);
    expect(restored.code).toBe(0);
    expect(report.items.find((i) => i.key === `persistentvolumeclaims/${ns}/web-data`)).toMatchObject({ action: 'rebound', reason: expect.stringMatching(/Bound$/) });
    expect(report.items.find((i) => i.key === `persistentvolumes/${ns}-web`)?.action).toBe('rebound');
    const bound = claims();
    expect(bound.map((c) => [c.metadata.name, c.status.phase, c.spec.volumeName]).sort()).toEqual([['data-db-0', 'Bound', `${ns}-db`], ['web-data', 'Bound', `${ns}-web`]]);
    for (const [name, dir] of Object.entries(dirs)) expect(readFileSync(join(dir, 'data.txt'), 'utf8')).toBe(`the ${name} data`);
  }, 600_000);

  it('with --all-versions, restores into a cluster that serves only another version', async () => {
    const kc = cluster().bed.kubeconfig;
    const ns = cluster().namespace;
    const group = `versions-${ns}.example.com`;
    const crd = (versions: readonly string[]) => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${group} }
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
${versions.map((v, i) => `    - { name: ${v}, served: true, storage: ${i === 0}, schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } } }`).join('\n')}
`;
    kubectl(kc, ['apply', '-f', '-'], crd(['v1', 'v1beta1']));
    kubectl(kc, ['wait', '--for', 'condition=Established', '--timeout', '60s', `crd/widgets.${group}`]);
    await eventually('the widgets to be served', () => kubectl(kc, ['api-resources', '--api-group', group]).includes('widgets'));
    kubectl(kc, ['apply', '-f', '-'], `apiVersion: ${group}/v1\nkind: Widget\nmetadata: { name: w1, namespace: ${ns} }\nspec: { size: 3 }\n`);
    const repo = join(s.dir, 'versions-repo');
    await s.ok(['init', '--repo', repo]);
    const backup = async (extra: readonly string[]) => JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--objects', '--include-namespaces', ns, '--json', ...extra])).stdout) as Saved;
    const plain = await backup([]);
    const all = await backup(['--all-versions']);
    const widgets = (saved: Saved) => saved.sources[0]!.record!.types.find((t) => t.group === group)!;
    expect(widgets(plain)).toMatchObject({ version: 'v1' });
    expect(widgets(plain).otherVersions).toBeUndefined();
    expect(widgets(all)).toMatchObject({ version: 'v1', otherVersions: [{ version: 'v1beta1', objects: 1 }] });

    // A cluster whose Widget CRD serves only v1beta1 (an operator one release older).
    const b = await up({ name: 'fidelity-b', nodes: 1 });
    kubectl(b.kubeconfig, ['apply', '-f', '-'], crd(['v1beta1']));
    kubectl(b.kubeconfig, ['wait', '--for', 'condition=Established', '--timeout', '60s', `crd/widgets.${group}`]);
    await eventually('the widgets to be served in the other cluster', () => kubectl(b.kubeconfig, ['api-resources', '--api-group', group]).includes('widgets'));
    const restore = (id: string) => s.run(['restore', id, '--repo', repo, '--kubeconfig', b.kubeconfig, '--objects', '--include-namespaces', ns, '--exclude-resources', 'customresourcedefinitions.apiextensions.k8s.io', '--json']);
    const refused = await restore(plain.id);
    expect(refused.code).toBe(3);
    expect((JSON.parse(refused.stdout) as RestoreReport).items.find((i) => i.key === `widgets.${group}/${ns}/w1`)).toMatchObject({
      action: 'failed', reason: `widgets.${group}: the target serves v1beta1, the backup holds v1 (a backup taken with --all-versions keeps every served version)`,
    });
    const restored = await restore(all.id);
    expect(restored.code).toBe(0);
    expect(getJson<{ apiVersion: string; spec: unknown }>(b.kubeconfig, [`widgets.v1beta1.${group}`, 'w1', '-n', ns])).toMatchObject({ apiVersion: `${group}/v1beta1`, spec: { size: 3 } });
  }, 600_000);
});
