/**
 * The API objects benchmark, on two real control planes of the test bed: N namespaces ×
 * 20 objects of mixed kinds (config maps, secrets, services, deployments, service
 * accounts, roles, role bindings), at 500 namespaces (10,000 objects) and 2,500 (50,000).
 * - restore: `kubectl apply --server-side` of the objects into empty cluster A against
 *   `strata restore --objects` of the same objects into empty cluster B (target ≥ 300
 *   objects/s);
 * - backup: `strata backup --objects` of A against the floor of listing every type with
 *   kubectl into JSON files, four types at a time as Strata does (target ≥ 1,000
 *   objects/s and ≤ 1.5× the floor); peak RSS (target ≤ 300 MB at 50,000 objects).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binary } from '../testbed/binaries.ts';
import { down, up } from '../testbed/testbed.ts';
import { ensure, measure, printTable, type Row, strataCommand } from './measure.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function objectsFor(namespaces: number): unknown[] {
  const items: unknown[] = [];
  for (let n = 0; n < namespaces; n++) items.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}`, labels: { bench: 'objects' } } });
  for (let n = 0; n < namespaces; n++) {
    const namespace = `bench-${n}`;
    const meta = (name: string) => ({ name, namespace, labels: { app: name, team: `team-${n % 17}` } });
    for (let i = 0; i < 6; i++) items.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`config-${i}`), data: { 'app.properties': `level=info\nworkers=${i + 2}\nregion=eu-${n % 3}\n`.repeat(8) } });
    for (let i = 0; i < 4; i++) items.push({ apiVersion: 'v1', kind: 'Secret', metadata: meta(`secret-${i}`), type: 'Opaque', stringData: { password: `p-${n}-${i}-${Math.random().toString(36).slice(2)}` } });
    for (let i = 0; i < 2; i++) {
      items.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(`svc-${i}`), spec: { selector: { app: `web-${i}` }, ports: [{ port: 80, targetPort: 8080 }] } });
      items.push({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(`web-${i}`),
        spec: { replicas: 0, selector: { matchLabels: { app: `web-${i}` } }, template: { metadata: { labels: { app: `web-${i}` } }, spec: { containers: [{ name: 'web', image: `registry.example.com/web:${i}`, resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } } },
      });
      items.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(`sa-${i}`) });
      items.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(`role-${i}`), rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] });
      items.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(`binding-${i}`), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role-${i}` }, subjects: [{ kind: 'ServiceAccount', name: `sa-${i}`, namespace }] });
    }
  }
  return items;
}

export async function runObjectsBench(scale: number): Promise<void> {
  ensure('/usr/bin/time', 'time');
  execFileSync('bash', [join(root, 'testbed/build-binaries.sh')], { stdio: 'inherit' });
  const kubectl = binary('kubernetes', 'kubectl');
  for (const namespaces of [500, 2_500].map((n) => Math.max(10, Math.round(n * scale)))) {
    const dir = mkdtempSync(join(tmpdir(), 'strata-bench-objects-'));
    try {
      const a = await up({ name: 'bench-objects-a', nodes: 1 });
      const b = await up({ name: 'bench-objects-b', nodes: 1 });
      const items = objectsFor(namespaces);
      const manifest = join(dir, 'objects.json');
      writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
      const count = items.length;
      console.log(`${count} objects in ${namespaces} namespaces`);

      const apply = measure([kubectl, '--kubeconfig', a.kubeconfig, 'apply', '--server-side', '-f', manifest]);
      console.log(`kubectl apply --server-side into A: ${apply.seconds.toFixed(1)}s (${(count / apply.seconds).toFixed(0)} objects/s)`);

      const passwordFile = join(dir, 'password');
      writeFileSync(passwordFile, 'benchmark-password\n', { mode: 0o600 });
      const env = { STRATA_PASSWORD_FILE: passwordFile };
      const repo = join(dir, 'repo');
      measure(strataCommand(['init', '--repo', repo]), env);

      const backup = measure(strataCommand(['backup', '--repo', repo, '--kubeconfig', a.kubeconfig, '--objects', '--json']), env);
      const saved = JSON.parse(backup.stdout) as { id: string; sources: { type: string; record: { objects: number; types: { group: string; resource: string; objects: number }[] } }[] };
      const record = saved.sources.find((s) => s.type === 'objects')!.record;
      const types = record.types.map((t) => (t.group === '' ? t.resource : `${t.resource}.${t.group}`));
      const lists = join(dir, 'lists');
      mkdirSync(lists);
      const floor = measure(['bash', '-c', `printf '%s\\n' "$@" | xargs -P 4 -I{} sh -c '"${kubectl}" --kubeconfig "${a.kubeconfig}" get {} -A -o json --chunk-size=500 > "${lists}/{}.json"'`, 'list', ...types]);
      console.log(`backup: strata ${backup.seconds.toFixed(1)}s for ${record.objects} objects (${(record.objects / backup.seconds).toFixed(0)}/s), kubectl lists of ${types.length} types ${floor.seconds.toFixed(1)}s`);

      const restore = measure(strataCommand(['restore', saved.id, '--repo', repo, '--kubeconfig', b.kubeconfig, '--objects', '--include-namespaces', 'bench-*', '--json']), env);
      const restored = JSON.parse(restore.stdout) as { counts: Record<string, number> };
      console.log(`restore into B: ${restore.seconds.toFixed(1)}s, ${JSON.stringify(restored.counts)}`);
      const created = restored.counts['created'] ?? 0;

      const rows: Row[] = [
        { metric: `backup objects/s (${record.objects} objects)`, strata: record.objects / backup.seconds, other: record.objects / floor.seconds, ratio: floor.seconds / backup.seconds, target: '≥ 1000/s' },
        { metric: 'backup time (s), strata/parallel kubectl list', strata: backup.seconds, other: floor.seconds, ratio: backup.seconds / floor.seconds, target: '≤ 1.5' },
        { metric: 'backup peak RSS (MB)', strata: backup.peakRssMb, other: floor.peakRssMb, ratio: backup.peakRssMb / floor.peakRssMb, target: namespaces >= 2_500 ? '≤ 300 MB' : '' },
        { metric: `restore objects/s (${created} created)`, strata: created / restore.seconds, other: count / apply.seconds, ratio: (created / restore.seconds) / (count / apply.seconds), target: '≥ 300/s' },
        { metric: 'restore time (s), kubectl apply/strata', strata: restore.seconds, other: apply.seconds, ratio: apply.seconds / restore.seconds },
        { metric: 'restore peak RSS (MB)', strata: restore.peakRssMb, other: apply.peakRssMb, ratio: restore.peakRssMb / apply.peakRssMb },
      ];
      printTable(`objects: ${count} objects, strata vs kubectl`, 'kubectl', rows);
    } finally {
      await down('bench-objects-a');
      await down('bench-objects-b');
      if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
    }
  }
}
