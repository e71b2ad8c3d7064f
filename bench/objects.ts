/**
 * The API objects benchmark, on two real control planes of the test bed: N namespaces ×
 * 20 objects of mixed kinds (config maps, secrets, services, deployments, service
 * accounts, roles, role bindings), at 500 namespaces (10,000 objects) and 2,500 (50,000).
 * - restore: `kubectl apply --server-side` of the objects into empty cluster A against
 *   `strata restore --objects` of the same objects into empty cluster B (target ≥ 300
 *   objects/s);
 * - backup: `strata backup --objects` of A against the floor of listing every type with
 *   kubectl into JSON files, four types at a time as Strata does (target ≥ 1,000
 *   objects/s and ≤ 1.5× the floor); peak RSS (target ≤ 300 MB at 50,000 objects);
 * - size: the first backup's repository against `tar czf` of the same objects' JSON, one
 *   file per object as Velero's tarball holds them (target ≤ 1.0), and what an unchanged
 *   second backup adds (target < 1% of the tarball; the per-type lists' tarball is printed too);
 * then at scale: 300,000 objects (ConfigMaps, Secrets, Deployments over 1,000 namespaces)
 * created by parallel requests to the API: backup (target ≥ 5,000 objects/s, peak RSS
 * ≤ 400 MB), restore into an empty cluster (target ≥ 500 objects/s) and `strata diff` of
 * two snapshots (target < 20 s). kubectl apply of 300,000 objects would take most of an
 * hour here, so that step has no peer.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binary } from '../testbed/binaries.ts';
import { down, up } from '../testbed/testbed.ts';
import { connect } from '../src/kube/connection.ts';
import { KubeHttp } from '../src/kube/http.ts';
import { du, ensure, measure, printTable, type Row, strataCommand } from './measure.ts';

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

/**
 * Waits (at most five minutes) until the controllers are done with what `kubectl apply`
 * created — every namespace has its kube-root-ca.crt and default service account, every
 * Deployment's status describes its generation — and then until nothing the bench created
 * changes for five seconds. A second backup of a cluster still settling stores what the
 * controllers wrote in between: that is not an unchanged re-backup.
 */
async function settle(kubectl: string, kubeconfig: string): Promise<void> {
  const names = (args: string[]) => execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'get', ...args, '-o', 'name'], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }).trim().split('\n').length;
  const versions = () => execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'get', 'namespaces,configmaps,secrets,serviceaccounts,services,deployments', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.resourceVersion} {end}'], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const deadline = Date.now() + 300_000;
  const started = Date.now();
  for (let last = ''; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 5_000))) {
    const namespaces = names(['namespaces']);
    const ready = names(['configmaps', '-A', '--field-selector', 'metadata.name=kube-root-ca.crt']) >= namespaces && names(['serviceaccounts', '-A', '--field-selector', 'metadata.name=default']) >= namespaces
      && execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'get', 'deployments', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.generation}={.status.observedGeneration} {end}'], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }).trim().split(' ').every((pair) => pair.split('=')[0] === pair.split('=')[1]);
    const now = ready ? versions() : '';
    if (ready && now === last) {
      console.log(`cluster settled after ${((Date.now() - started) / 1000).toFixed(0)}s`);
      return;
    }
    last = now;
  }
  console.log('the cluster did not settle within 5 minutes: the unchanged re-backup may store what changed');
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
      await settle(kubectl, a.kubeconfig);

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

      // Size: the repository after the first backup against one tarball of the same objects.
      const perObject = join(dir, 'objects');
      for (const file of readdirSync(lists)) {
        for (const item of (JSON.parse(readFileSync(join(lists, file), 'utf8')) as { items: { metadata: { namespace?: string; name: string } }[] }).items) {
          const folder = join(perObject, item.metadata.namespace ?? '_cluster', file.replace(/\.json$/, ''));
          mkdirSync(folder, { recursive: true });
          writeFileSync(join(folder, `${item.metadata.name}.json`), JSON.stringify(item));
        }
      }
      const tarball = join(dir, 'objects.tgz');
      execFileSync('tar', ['czf', tarball, '-C', perObject, '.']);
      const listsTarball = join(dir, 'lists.tgz');
      execFileSync('tar', ['czf', listsTarball, '-C', lists, '.']);
      // Everything the backup added: packs, index files and the snapshot (not the key and config).
      const stored = () => du(join(repo, 'data')) + du(join(repo, 'index')) + du(join(repo, 'snapshots'));
      const firstSize = stored();
      const again = JSON.parse(measure(strataCommand(['backup', '--repo', repo, '--kubeconfig', a.kubeconfig, '--objects', '--json']), env).stdout) as { id: string };
      const unchangedGrowth = stored() - firstSize;
      const between = JSON.parse(measure(strataCommand(['diff', saved.id, '--repo', repo, '--against', again.id, '--json']), env).stdout) as { added: string[]; removed: string[]; changed: { key: string }[] };
      console.log(`second backup: ${between.added.length} added, ${between.removed.length} removed, ${between.changed.length} changed${between.changed.length > 0 ? ` (${between.changed.slice(0, 5).map((c) => c.key).join(', ')})` : ''}`);
      const tgz = du(tarball);

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
        { metric: 'first backup size vs tar czf, a file per object (KiB)', strata: firstSize / 1024, other: tgz / 1024, ratio: firstSize / tgz, target: '≤ 1.0' },
        { metric: '  against tar czf of the per-type lists (KiB)', strata: firstSize / 1024, other: du(listsTarball) / 1024, ratio: firstSize / du(listsTarball), target: 'information' },
        { metric: 'unchanged re-backup adds, vs that tarball (KiB)', strata: unchangedGrowth / 1024, other: tgz / 1024, ratio: unchangedGrowth / tgz, target: '≤ 0.01' },
      ];
      printTable(`objects: ${count} objects, strata vs kubectl`, 'kubectl', rows);
    } finally {
      await down('bench-objects-a');
      await down('bench-objects-b');
      if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
    }
  }
  await runAtScale(Math.max(10, Math.round(1_000 * scale)));
}

/** `perType` objects of each kind in one namespace: a few hundred bytes to a few KiB each. */
function scaleObjects(namespace: string, perType: number): { path: string; body: unknown }[] {
  const items: { path: string; body: unknown }[] = [];
  const labels = { app: 'scale', team: `team-${namespace.length % 7}` };
  for (let i = 0; i < perType; i++) {
    items.push({ path: `/api/v1/namespaces/${namespace}/configmaps`, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}`, namespace, labels }, data: { 'app.properties': `level=info\nworkers=${i % 9}\nshard=${i}\n`.repeat(4) } } });
    items.push({ path: `/api/v1/namespaces/${namespace}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}`, namespace, labels }, type: 'Opaque', stringData: { token: Math.random().toString(36).slice(2).repeat(3) } } });
    items.push({
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `app-${i}`, namespace, labels }, spec: { replicas: 0, selector: { matchLabels: { app: `app-${i}` } }, template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'app', image: `registry.example.com/app:${i % 20}`, resources: { requests: { cpu: '50m', memory: '64Mi' } } }] } } } },
    });
  }
  return items;
}

/** Creates every object with parallel POSTs (kubectl apply one by one would take an hour); returns objects/s. */
async function createAll(kubeconfig: string, namespaces: number, perType: number): Promise<number> {
  const http = new KubeHttp(await connect({ kubeconfig }), { maxSockets: 48 });
  const started = Date.now();
  try {
    for (let n = 0; n < namespaces; n++) await http.json('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `scale-${n}` } } });
    let next = 0;
    let created = 0;
    const work = async () => {
      for (let n = next++; n < namespaces; n = next++) {
        for (const item of scaleObjects(`scale-${n}`, perType)) {
          // A busy API server may answer 429 or time out: tried again, a bounded number of times.
          for (let attempt = 1; ; attempt++) {
            const response = await http.request(item.path, { method: 'POST', body: item.body }).catch((error: unknown) => ({ status: 0, body: error }));
            if (response.status === 201 || response.status === 409) break;
            if (attempt === 5) throw new Error(`POST ${item.path}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
            await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
          }
          created++;
        }
        if (n % 100 === 0) console.log(`  ${created} objects created, ${(created / ((Date.now() - started) / 1000)).toFixed(0)}/s`);
      }
    };
    await Promise.all(Array.from({ length: 12 }, work));
    return created / ((Date.now() - started) / 1000);
  } finally {
    http.close();
  }
}

/** 300 objects in each of `namespaces` namespaces (300,000 at scale 1): Strata alone, against the targets. */
async function runAtScale(namespaces: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-scale-'));
  try {
    const a = await up({ name: 'bench-scale-a', nodes: 1 });
    const b = await up({ name: 'bench-scale-b', nodes: 1 });
    const rate = await createAll(a.kubeconfig, namespaces, 100);
    console.log(`created ${namespaces * 300} objects in ${namespaces} namespaces at ${rate.toFixed(0)}/s`);
    const env = { STRATA_PASSWORD: 'bench-password' };
    const repo = join(dir, 'repo');
    measure(strataCommand(['init', '--repo', repo]), env);
    const backup = () => measure(strataCommand(['backup', '--repo', repo, '--kubeconfig', a.kubeconfig, '--objects', '--json']), env);
    const first = backup();
    const saved = JSON.parse(first.stdout) as { id: string; sources: { type: string; record: { objects: number } }[] };
    const objects = saved.sources.find((x) => x.type === 'objects')!.record.objects;
    const second = backup();
    const again = JSON.parse(second.stdout) as { id: string };
    const diff = measure(strataCommand(['diff', saved.id, '--repo', repo, '--against', again.id, '--json']), env);
    const restore = measure(strataCommand(['restore', saved.id, '--repo', repo, '--kubeconfig', b.kubeconfig, '--objects', '--include-namespaces', 'scale-*', '--json']), env);
    const created = (JSON.parse(restore.stdout) as { counts: Record<string, number> }).counts['created'] ?? 0;
    console.log(`backup ${first.seconds.toFixed(1)}s (${objects} objects), again ${second.seconds.toFixed(1)}s, diff ${diff.seconds.toFixed(1)}s, restore ${restore.seconds.toFixed(1)}s (${created} created)`);
    const rows: Row[] = [
      { metric: `backup objects/s (${objects} objects)`, strata: objects / first.seconds, other: 5_000, ratio: objects / first.seconds / 5_000, target: '≥ 5000/s' },
      { metric: 'backup peak RSS (MB)', strata: first.peakRssMb, other: 400, ratio: first.peakRssMb / 400, target: '≤ 400 MB' },
      { metric: 'second backup objects/s', strata: objects / second.seconds, other: 5_000, ratio: objects / second.seconds / 5_000, target: '≥ 5000/s' },
      { metric: 'strata diff of the two (s)', strata: diff.seconds, other: 20, ratio: diff.seconds / 20, target: '≤ 20 s' },
      { metric: `restore objects/s into an empty cluster (${created} created)`, strata: created / restore.seconds, other: 500, ratio: created / restore.seconds / 500, target: '≥ 500/s' },
      { metric: 'restore peak RSS (MB)', strata: restore.peakRssMb, other: 400, ratio: restore.peakRssMb / 400, target: 'information' },
    ];
    printTable(`objects at scale: ${namespaces * 300} objects in ${namespaces} namespaces (other = the target)`, 'target', rows);
  } finally {
    await down('bench-scale-a');
    await down('bench-scale-b');
    if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }
}
