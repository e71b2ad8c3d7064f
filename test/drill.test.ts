/**
 * Restore drills on the test bed: a plan with etcd, API objects (a Deployment reading a
 * ConfigMap, a StatefulSet whose claim is on a hostPath volume, a Service, a Secret) and
 * files is backed up, then drilled: the objects come back in NAMESPACE-restore with new
 * volumes and serve, a scratch etcd answers with the recorded revision, keys and HashKV,
 * the files match, the plan's checks pass, and the report (each layer timed, RTO against
 * target) is stored and listed. A Deployment that cannot start fails the drill by name; a
 * namespace the drill did not make is refused; a drill killed midway leaves nothing behind
 * once the next one has run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { binary } from '../testbed/binaries.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { claim, eventually, getJson, hostPathProvisionedClass, hostPathVolume, kubectl } from './helpers/workloads.ts';

interface Layer { layer: string; result: string; readyMs: number; durationMs: number; steps: { name: string; result: string; detail: string }[] }
interface Report { id: string; plan: string; snapshot: string; result: string; rtoMs: number; targetRtoMs?: number; layers: Layer[]; failures: string[]; cleanUp: { kept: boolean; removed: string[]; problems: string[] } }

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

describe('strata drill', () => {
  const cluster = useCluster({ name: 'drill', nodes: 1, csi: true });
  const s = scratch();
  const repo = join(s.dir, 'repo');
  const work = join(s.dir, 'work');
  const files = join(s.dir, 'node');
  const config = join(s.dir, 'strata.yaml');
  let ns = '';
  let kc = '';

  const writeConfig = (extra = '') => writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${kc}, etcd: { endpoints: [${cluster().bed.etcd.endpoints.join(', ')}] } }
plans:
  nightly:
    cluster: bed
    repository: main
    rto: 1h
    sources:
      - { type: etcd }
      - { type: objects, includeNamespaces: [${ns}] }
      - { type: volumes, namespaces: [${ns}] }
      - { type: files, paths: [${files}] }
    drill:
      workDir: ${work}
      timeout: 90s
      storageClassMapping: { drill-hostpath: drill-scratch }
      etcd: { etcd: ${binary('etcd', 'etcd')}, etcdutl: ${binary('etcd', 'etcdutl')}, sampleKeys: 50 }
      checks:
        - name: the database answers
          exec: { namespace: ${ns}, selector: app=db, command: [sh, -c, "echo db-ok"], output: db-ok }
        - name: the copy is where the suffix says
          command: { command: [sh, -c, "echo $STRATA_DRILL_SUFFIX"], output: "^-restore" }
${extra}`);

  const drill = async (args: readonly string[] = []): Promise<{ code: number | null; report: Report; stderr: string }> => {
    const result = await s.run(['drill', 'nightly', '--config', config, '--json', ...args]);
    if (result.stdout === '') throw new Error(`strata drill printed nothing (exit ${result.code}): ${result.stderr}`);
    return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
  };
  const scratchNamespaces = () => kubectl(kc, ['get', 'namespaces', '-l', 'strata.io/drill-plan=nightly', '-o', 'name']).trim();
  const leftoverDirs = () => (existsSync(work) ? readdirSync(work).filter((d) => d.startsWith('strata-drill-nightly-')) : []);
  const etcdProcesses = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(work) && l.includes('--data-dir'));

  it('restores etcd, objects and files into scratch targets, checks them, reports each layer and cleans up', async () => {
    kc = cluster().bed.kubeconfig;
    // One namespace for the whole file (the fixture's own is made afresh for each test).
    ns = `d-${randomBytes(4).toString('hex')}`;
    kubectl(kc, ['create', 'namespace', ns]);
    mkdirSync(work, { recursive: true });
    mkdirSync(join(files, 'etc'), { recursive: true });
    writeFileSync(join(files, 'etc', 'settings.conf'), 'answer = 42\n'.repeat(1000));
    writeFileSync(join(files, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    const volumeDir = join(s.dir, 'pv');
    mkdirSync(join(volumeDir, 'base'), { recursive: true });
    writeFileSync(join(volumeDir, 'PG_VERSION'), '17\n');
    writeFileSync(join(volumeDir, 'base', '16384'), randomBytes(2 * 1024 * 1024));
    // Scratch claims of the database get directories on this machine (kube-controller-manager's hostPath provisioner).
    kubectl(kc, ['apply', '-f', '-'], `${hostPathProvisionedClass('drill-scratch')}
${hostPathVolume({ name: `${ns}-db`, namespace: ns, claim: 'data-db-0', path: volumeDir, storageClass: 'drill-hostpath' })}
${claim({ name: 'cache', namespace: ns, storageClass: 'testbed-csi' })}
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: ${ns} }
data: { mode: production }
---
apiVersion: v1
kind: Secret
metadata: { name: db, namespace: ${ns} }
stringData: { password: drill-secret }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx, envFrom: [{ configMapRef: { name: settings } }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${ns} }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: ${ns} }
spec:
  replicas: 1
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: postgres, env: [{ name: PASSWORD, valueFrom: { secretKeyRef: { name: db, key: password } } }] }] }
  volumeClaimTemplates:
  - metadata: { name: data }
    spec: { accessModes: [ReadWriteOnce], storageClassName: drill-hostpath, resources: { requests: { storage: 1Gi } } }
`);
    await eventually('the original to run', () => {
      const deployment = getJson<{ status?: { availableReplicas?: number } }>(kc, ['deployment', 'web', '-n', ns]);
      const db = getJson<{ status?: { readyReplicas?: number } }>(kc, ['statefulset', 'db', '-n', ns]);
      const cache = getJson<{ status?: { phase?: string } }>(kc, ['pvc', 'cache', '-n', ns]);
      return deployment.status?.availableReplicas === 2 && db.status?.readyReplicas === 1 && cache.status?.phase === 'Bound';
    });
    writeConfig();
    await s.ok(['init', '--repo', repo]);
    await s.ok(['run', 'nightly', '--config', config]);
    const webBefore = getJson(kc, ['deployment', 'web', '-n', ns]).metadata.uid;

    const { code, report, stderr } = await drill();
    expect(code, stderr).toBe(0);
    expect(report.result).toBe('passed');
    expect(report.layers.map((l) => [l.layer, l.result])).toEqual([['etcd', 'passed'], ['objects', 'passed'], ['volumes', 'passed'], ['files', 'passed'], ['checks', 'passed']]);
    for (const layer of report.layers) expect(layer.readyMs).toBeGreaterThan(0);
    expect(report.rtoMs).toBe(Math.max(...report.layers.map((l) => l.readyMs)));
    expect(report.targetRtoMs).toBe(3_600_000);
    const steps = Object.fromEntries(report.layers.flatMap((l) => l.steps.map((st) => [`${l.layer}: ${st.name}`, st.detail])));
    expect(steps['etcd: revision and key count']).toMatch(/as recorded/);
    expect(steps['etcd: HashKV against the backed-up member']).toMatch(/as member .* answered at backup/);
    expect(steps['objects: wait until the copy serves']).toMatch(/1 Deployments, 1 StatefulSets, 3 pods, 1 Services, 2 claims ready/);
    // The database's files are written into its scratch claim and read back; the CSI volume comes back as a new claim.
    expect(steps[`volumes: ${ns}/data-db-0`]).toMatch(new RegExp(`→ claim ${ns}-restore/data-db-0 \\(/tmp/hostpath_pv/[^)]+\\): 2 files, 2\\.0 MiB match the snapshot`));
    expect(steps[`volumes: ${ns}/cache`]).toMatch(new RegExp(`^VolumeSnapshot ${ns}/strata-cache-\\S+ → claim ${ns}-restore/cache-from-snapshot, Bound to pvc-`));
    expect(steps['files: verify sizes and chunk hashes']).toMatch(/^2 files .* match the snapshot/);
    expect(steps['checks: the database answers']).toContain(`in pod ${ns}-restore/db-0`);
    // Nothing is left, and the original was never touched.
    expect(report.cleanUp.removed).toContain(`namespace ${ns}-restore`);
    expect(report.cleanUp.problems).toEqual([]);
    expect(scratchNamespaces()).toBe('');
    expect(leftoverDirs()).toEqual([]);
    expect(etcdProcesses()).toEqual([]);
    expect(getJson(kc, ['deployment', 'web', '-n', ns]).metadata.uid).toBe(webBefore);
    expect(getJson<{ spec: { claimRef: { namespace: string } }; status: { phase: string } }>(kc, ['pv', `${ns}-db`]).spec.claimRef.namespace).toBe(ns);
    // The copy of the VolumeSnapshot is gone; the driver's snapshot, which the original holds, is not.
    await eventually('the copy\'s VolumeSnapshotContent to be deleted', () => kubectl(kc, ['get', 'volumesnapshotcontents', '-l', 'strata.io/drill-plan=nightly', '-o', 'name']).trim() === '');
    const original = getJson<{ items: { status?: { readyToUse?: boolean } }[] }>(kc, ['volumesnapshots', '-n', ns]);
    expect(original.items.map((v) => v.status?.readyToUse)).toEqual([true]);
    await eventually('the scratch volumes to be deleted', () => !kubectl(kc, ['get', 'pv', '-o', 'jsonpath={.items[*].spec.claimRef.namespace}']).split(' ').includes(`${ns}-restore`));

    const history = JSON.parse((await s.ok(['drills', 'nightly', '--config', config, '--json'])).stdout) as { drills: Report[] };
    expect(history.drills.map((d) => [d.id, d.snapshot, d.result])).toEqual([[report.id, report.snapshot, 'passed']]);
    // Any host reads the history from the repository alone.
    const text = (await s.ok(['drills', '--repo', repo])).stdout;
    expect(text).toContain(report.snapshot.slice(0, 8));
    expect(text).toMatch(/passed\t\S+\t1h\tmet/);
  }, 600_000);

  it('fails naming a Deployment that never becomes Available, and refuses a namespace it did not make', async () => {
    kubectl(kc, ['apply', '-f', '-'], `
apiVersion: apps/v1
kind: Deployment
metadata: { name: broken, namespace: ${ns} }
spec:
  replicas: 1
  selector: { matchLabels: { app: broken } }
  template:
    metadata: { labels: { app: broken } }
    spec: { containers: [{ name: broken, image: "registry.invalid/strata/fails:1" }] }
`);
    writeConfig();
    writeFileSync(config, readFileSync(config, 'utf8').replace('timeout: 90s', 'timeout: 15s'));
    await s.ok(['run', 'nightly', '--config', config]);
    const failed = await drill();
    expect(failed.code).toBe(1);
    expect(failed.report.result).toBe('failed');
    const objects = failed.report.layers.find((l) => l.layer === 'objects')!;
    expect(objects.result).toBe('failed');
    expect(failed.report.failures.join('\n')).toMatch(new RegExp(`Deployment ${ns}-restore/broken: 0 of 1 replicas available`));
    expect(failed.report.failures.join('\n')).toMatch(new RegExp(`Pod ${ns}-restore/broken-\\S+: Pending: container broken ImagePullBackOff`));
    expect(failed.stderr).toContain('drill of plan nightly failed');
    expect(scratchNamespaces()).toBe('');

    // A namespace of the scratch name that no drill made is never touched.
    kubectl(kc, ['create', 'namespace', `${ns}-restore`]);
    const refused = await drill();
    expect(refused.code).toBe(1);
    expect(refused.report.failures.join('\n')).toContain(`namespace ${ns}-restore exists and no drill made it`);
    expect(getJson(kc, ['namespace', `${ns}-restore`]).metadata.name).toBe(`${ns}-restore`);
    kubectl(kc, ['delete', 'namespace', `${ns}-restore`, '--wait=true']);
    kubectl(kc, ['delete', 'deployment', 'broken', '-n', ns]);
  }, 600_000);

  it('cleans up after SIGTERM before it exits, and leaves nothing behind a drill killed midway once the next drill has run', async () => {
    writeConfig();
    await s.ok(['run', 'nightly', '--config', config]);
    const reports = async () => (JSON.parse((await s.ok(['drills', 'nightly', '--config', config, '--json'])).stdout) as { drills: Report[] }).drills;
    const before = (await reports()).length;
    const stopped = spawn(process.execPath, [main, 'drill', 'nightly', '--config', config], { env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    stopped.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await eventually('the drill to make its scratch namespace', () => scratchNamespaces() !== '', 120_000);
    stopped.kill('SIGTERM');
    const [code] = await new Promise<[number | null]>((resolve) => stopped.once('exit', (c) => resolve([c])));
    expect(code, stderr).toBe(130);
    // Everything was removed before the exit (namespaces deleted, maybe still terminating), and the interrupted drill is on record.
    expect(leftoverDirs()).toEqual([]);
    await eventually('the scratch namespaces to be gone', () => scratchNamespaces() === '', 60_000);
    expect(etcdProcesses()).toEqual([]);
    const interrupted = (await reports()).slice(before);
    expect(interrupted.map((r) => r.result)).toEqual(['failed']);
    expect(interrupted[0]!.failures.join('\n')).toContain('interrupted by SIGTERM');

    const child = spawn(process.execPath, [main, 'drill', 'nightly', '--config', config], { env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile }, stdio: 'ignore' });
    await eventually('the drill to make its scratch namespace', () => scratchNamespaces() !== '', 120_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(scratchNamespaces()).not.toBe('');
    expect(leftoverDirs().length, `in ${work}: ${readdirSync(work).join(', ')}`).toBe(1);
    await sleep(500);

    const next = await drill();
    expect(next.code, next.stderr).toBe(0);
    expect(next.report.cleanUp.removed.filter((r) => r.endsWith('(left by an earlier drill)')).join('\n')).toMatch(/directory .*strata-drill-nightly-/);
    expect(next.report.cleanUp.removed.join('\n')).toContain(`namespace ${ns}-restore (left by an earlier drill)`);
    expect(scratchNamespaces()).toBe('');
    expect(leftoverDirs()).toEqual([]);
    expect(etcdProcesses()).toEqual([]);
  }, 600_000);

  it('shows in strata status, and strata serve drills on drill.schedule with the figures on /metrics', async () => {
    const status = await s.run(['status', '--config', config, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const [plan] = JSON.parse(status.stdout) as { plan: string; drill: { lastResult: string; lastRtoMs: number; targetRtoMs: number; violated: boolean } }[];
    expect(plan!.drill).toMatchObject({ lastResult: 'passed', targetRtoMs: 3_600_000, violated: false });

    const before = (JSON.parse((await s.ok(['drills', 'nightly', '--config', config, '--json'])).stdout) as { drills: Report[] }).drills.length;
    writeConfig();
    writeFileSync(config, readFileSync(config, 'utf8').replace('      workDir:', '      schedule: { cron: "*/15 * * * * *" }\n      workDir:'));
    const child = spawn(process.execPath, [main, 'serve', '--config', config, '--listen', '127.0.0.1:0'], { env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
    try {
      await eventually('serve to listen', () => /serving on http:\/\/127\.0\.0\.1:\d+/.test(log), 30_000);
      const base = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(log)![1]!;
      let drills: Report[] = [];
      await eventually('a scheduled drill', async () => {
        drills = (await (await fetch(`${base}/api/drills?plan=nightly`)).json()) as Report[];
        return drills.length > before;
      }, 240_000);
      expect(drills.at(-1)!.result, log).toBe('passed');
      expect(log).toContain('plan nightly: drill passed');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/strata_drill_last_rto_seconds\{plan="nightly"\} \d/);
      expect(metrics).toContain('strata_plan_rto_seconds{plan="nightly"} 3600');
      expect(metrics).toContain('strata_drill_compliant{plan="nightly"} 1');
      expect(metrics).toMatch(/strata_drill_layer_ready_seconds\{plan="nightly",layer="objects"\} \d/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    }
    expect(scratchNamespaces()).toBe('');
  }, 600_000);

  it('the chaos day deletes a Deployment and restores it in place, refused without --confirm or on a production plan', async () => {
    writeConfig();
    const web = getJson(kc, ['deployment', 'web', '-n', ns]).metadata.uid;
    const args = ['drill', 'nightly', '--config', config, '--in-place', '--workload', `${ns}/Deployment/web`];
    const unconfirmed = await s.run(args);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('add --confirm');
    const production = await s.run([...args, '--confirm']);
    expect(production.code).toBe(4);
    expect(production.stderr).toContain('is not marked non-production');
    expect(getJson(kc, ['deployment', 'web', '-n', ns]).metadata.uid).toBe(web);

    writeConfig('      nonProduction: true\n');
    const missing = await s.run(['drill', 'nightly', '--config', config, '--json', '--in-place', '--workload', `${ns}/Deployment/nothing`, '--confirm']);
    expect(missing.code).toBe(1);
    expect((JSON.parse(missing.stdout) as Report).failures.join('\n')).toContain('does not hold Deployment');
    expect(getJson(kc, ['deployment', 'web', '-n', ns]).metadata.uid).toBe(web);

    const { code, report, stderr } = await drill(['--in-place', '--workload', `${ns}/deploy/web`, '--confirm']);
    expect(code, stderr).toBe(0);
    expect((report as Report & { mode: string }).mode).toBe('in-place');
    expect(report.layers.map((l) => [l.layer, l.result])).toEqual([['etcd', 'not drilled'], ['objects', 'passed'], ['volumes', 'not drilled'], ['files', 'not drilled'], ['checks', 'passed']]);
    const objects = report.layers.find((l) => l.layer === 'objects')!;
    expect(objects.steps.map((st) => st.name)).toEqual([`find Deployment ${ns}/web in the snapshot`, `delete Deployment ${ns}/web`, `restore Deployment ${ns}/web from snapshot ${report.snapshot.slice(0, 8)}`, 'wait until it serves']);
    expect(objects.steps[3]!.detail).toMatch(/^1 Deployments, 0 StatefulSets, 2 pods, 1 Services, 0 claims ready/);
    expect(report.rtoMs).toBeGreaterThan(0);
    const restored = getJson<{ metadata: { uid: string }; status: { availableReplicas?: number } }>(kc, ['deployment', 'web', '-n', ns]);
    expect(restored.metadata.uid).not.toBe(web);
    expect(restored.status.availableReplicas).toBe(2);
  }, 600_000);

  it('the chaos day --with-data deletes a Deployment with its claims and brings both back with the data, refused when the snapshot does not hold the data', async () => {
    writeConfig('      nonProduction: true\n');
    kubectl(kc, ['apply', '-f', '-'], `${claim({ name: 'uploads', namespace: ns, storageClass: 'drill-scratch' })}
apiVersion: apps/v1
kind: Deployment
metadata: { name: app, namespace: ${ns} }
spec:
  replicas: 1
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec: { containers: [{ name: app, image: nginx }], volumes: [{ name: uploads, persistentVolumeClaim: { claimName: uploads } }, { name: cache, persistentVolumeClaim: { claimName: cache } }] }
`);
    await eventually('the uploads claim to bind and the app to run', () => getJson<{ status?: { phase?: string } }>(kc, ['pvc', 'uploads', '-n', ns]).status?.phase === 'Bound'
      && getJson<{ status?: { availableReplicas?: number } }>(kc, ['deployment', 'app', '-n', ns]).status?.availableReplicas === 1);
    const directory = (claimName: string) => getJson<{ spec: { hostPath: { path: string } } }>(kc, ['pv', getJson<{ spec: { volumeName: string } }>(kc, ['pvc', claimName, '-n', ns]).spec.volumeName]).spec.hostPath.path;
    const photo = randomBytes(1024 * 1024);
    writeFileSync(join(directory('uploads'), 'photo.jpg'), photo);
    writeFileSync(join(directory('uploads'), 'index.txt'), 'photo.jpg\n');
    const before = { app: getJson(kc, ['deployment', 'app', '-n', ns]).metadata.uid, uploads: getJson(kc, ['pvc', 'uploads', '-n', ns]).metadata.uid };
    // A snapshot without the volumes source: nothing could bring the claims' data back, so nothing is deleted.
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^.*type: volumes.*\n/m, ''));
    await s.ok(['run', 'nightly', '--config', config]);
    const refused = await drill(['--in-place', '--workload', `${ns}/Deployment/app`, '--with-data', '--confirm']);
    expect(refused.code).toBe(1);
    expect(refused.report.failures.join('\n')).toContain(`does not hold the claim and data of ${ns}/cache, ${ns}/uploads: nothing was deleted`);
    expect(getJson(kc, ['deployment', 'app', '-n', ns]).metadata.uid).toBe(before.app);
    expect(getJson(kc, ['pvc', 'uploads', '-n', ns]).metadata.uid).toBe(before.uploads);

    writeConfig('      nonProduction: true\n');
    await s.ok(['run', 'nightly', '--config', config]);

    const { code, report, stderr } = await drill(['--in-place', '--workload', `${ns}/Deployment/app`, '--with-data', '--confirm']);
    expect(code, stderr).toBe(0);
    expect(report.layers.map((l) => [l.layer, l.result])).toEqual([['etcd', 'not drilled'], ['objects', 'passed'], ['volumes', 'passed'], ['files', 'not drilled'], ['checks', 'passed']]);
    const objects = report.layers.find((l) => l.layer === 'objects')!;
    expect(objects.steps.map((st) => st.name)).toEqual([`find Deployment ${ns}/app in the snapshot`, `delete Deployment ${ns}/app`, 'delete its claims', `restore Deployment ${ns}/app from snapshot ${report.snapshot.slice(0, 8)}`, 'wait until it serves']);
    expect(objects.steps[2]!.detail).toBe('cache, uploads');
    const volumes = Object.fromEntries(report.layers.find((l) => l.layer === 'volumes')!.steps.map((st) => [st.name, st.detail]));
    expect(volumes[`${ns}/uploads`]).toMatch(/^2 files, 1\.0 MiB written into \/tmp\/hostpath_pv\/\S+ and read back$/);
    expect(volumes[`${ns}/cache`]).toMatch(new RegExp(`^claim made again from VolumeSnapshot ${ns}/strata-cache-\\S+, Bound to pvc-`));
    expect(volumes['wait until it serves']).toMatch(/^1 Deployments, 0 StatefulSets, 1 pods/);
    // Both are new objects, and the new claim's new directory holds the data.
    expect(getJson(kc, ['deployment', 'app', '-n', ns]).metadata.uid).not.toBe(before.app);
    expect(getJson(kc, ['pvc', 'uploads', '-n', ns]).metadata.uid).not.toBe(before.uploads);
    expect(readFileSync(join(directory('uploads'), 'photo.jpg')).equals(photo)).toBe(true);
    expect(getJson<{ spec: { dataSource?: { kind: string } } }>(kc, ['pvc', 'cache', '-n', ns]).spec.dataSource?.kind).toBe('VolumeSnapshot');
    expect(getJson<{ status?: { availableReplicas?: number } }>(kc, ['deployment', 'app', '-n', ns]).status?.availableReplicas).toBe(1);
  }, 600_000);
});
