/**
 * The etcd benchmark: a single etcd member loaded with ≥ 500 MB of Kubernetes-like values
 * (at scale 1). Strata's verified, encrypted snapshot into the repository against what seeds
 * 002 and 003 automate — `etcdctl snapshot save`, `zstd -3`, a copy into another directory
 * (target ≤ 1.0× its time) — with the bare `etcdctl snapshot save` to a file printed beside
 * as the floor, for the first snapshot and for a daily one that builds on it; both again
 * with etcd pinned to one core and the client to the other (taskset), as on a backup host
 * apart from etcd; then seven daily snapshots
 * with ~5% of the keys rewritten and the history compacted between them, as kube-apiserver
 * compacts — once with a fresh random 5% each day (the worst case for page-level dedup),
 * once with the same 5% churning every day, as a real cluster's leases, endpoints and pod
 * status do: the repository's total size against one zstd-compressed snapshot (target ≤ 1.5)
 * and against seven plain copies.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, zstdCompressSync } from 'node:zlib';
import { EtcdMemberClient } from '../src/sources/etcd/client.ts';
import { binary } from '../testbed/binaries.ts';
import { get } from '../testbed/http.ts';
import { freePort, startProcess, stopProcess, waitFor } from '../testbed/processes.ts';
import { du, ensure, measure, printTable, processCpuSeconds, type Row, strataCommand } from './measure.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A Pod-like JSON object of about 2 KiB: mostly repetitive structure, some unique IDs. */
function value(i: number, generation: number): Buffer {
  const uid = randomBytes(16).toString('hex');
  const object = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `app-${i}`,
      namespace: `ns-${i % 500}`,
      uid,
      resourceVersion: String(generation),
      labels: { app: `app-${i % 50}`, 'pod-template-hash': randomBytes(5).toString('hex') },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': randomBytes(300).toString('base64') },
    },
    spec: {
      containers: [{ name: 'main', image: `registry.example.com/team/app-${i % 50}:v${generation}`, resources: { requests: { cpu: '100m', memory: '128Mi' } }, env: Array.from({ length: 12 }, (_, k) => ({ name: `ENV_${k}`, value: `value-${k}-${i % 7}` })) }],
      nodeName: `node-${i % 100}`,
      serviceAccountName: 'default',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: { phase: 'Running', podIP: `10.${i % 250}.${(i >> 8) % 250}.${i % 200}`, startTime: new Date().toISOString() },
  };
  return Buffer.from(JSON.stringify(object));
}

/** 5% of the keys, picked at random. */
function someKeys(count: number): number[] {
  const keys = new Set<number>();
  while (keys.size < Math.round(count * 0.05)) keys.add(randomInt(count));
  return [...keys];
}

async function putAll(client: EtcdMemberClient, keys: readonly number[], generation: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const i = keys[next++]!;
      await client.put(Buffer.from(`/registry/pods/ns-${i % 500}/app-${i}`), value(i, generation));
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

export async function runEtcdBench(scale: number): Promise<void> {
  ensure('/usr/bin/time', 'time');
  ensure('/usr/bin/zstd', 'zstd');
  execFileSync('bash', [join(root, 'testbed/build-binaries.sh')], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-etcd-'));
  const url = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const metrics = `http://127.0.0.1:${await freePort()}`;
  mkdirSync(join(dir, 'etcd'), { mode: 0o700 });
  const etcd = startProcess('etcd', binary('etcd', 'etcd'), [
    '--name=bench', `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=bench=${peer}`, `--listen-metrics-urls=${metrics}`,
    '--quota-backend-bytes=8589934592', '--log-level=error',
  ], join(dir, 'etcd.log'));
  const client = new EtcdMemberClient(url, { timeoutMs: 30_000 });
  try {
    await waitFor('etcd', async () => (await get(`${metrics}/health`)).body.includes('"health":"true"'), 60_000, etcd);
    const count = Math.round(240_000 * scale);
    const all = Array.from({ length: count }, (_, i) => i);
    const started = Date.now();
    await putAll(client, all, 1);
    const loaded = await client.status();
    console.log(`loaded ${count} keys in ${((Date.now() - started) / 1000).toFixed(0)}s: database ${(loaded.dbSize / 2 ** 20).toFixed(0)} MiB`);

    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, 'benchmark-password\n', { mode: 0o600 });
    const env = { STRATA_PASSWORD_FILE: passwordFile, ETCDCTL_API: '3' };
    const repo = join(dir, 'repo');
    measure(strataCommand(['init', '--repo', repo]), env);

    const file = join(dir, 'etcdctl.db');
    const etcdBackup = (repository: string) => measure(strataCommand(['backup', '--repo', repository, '--etcd', '--etcd-endpoints', url]), env);
    const etcdctlSave = () => measure([binary('etcd', 'etcdctl'), `--endpoints=${url}`, 'snapshot', 'save', file], env);
    // Seeds 002/003: save, compress, copy to where it is kept (another master, an NFS mount).
    const kept = join(dir, 'kept');
    mkdirSync(kept);
    const pipelineSave = (pin: readonly string[] = []) => {
      const run = measure([...pin, 'bash', '-c', 'set -e; "$1" --endpoints="$2" snapshot save "$3" >/dev/null; zstd -3 -q -f --rm "$3" -o "$3.zst"; cp "$3.zst" "$4/"; rm "$3.zst"', 'seed-002', binary('etcd', 'etcdctl'), url, file, kept], env);
      rmSync(join(kept, 'etcdctl.db.zst'));
      return run;
    };
    const zstdSize = (bytes: Buffer) => zstdCompressSync(bytes, { params: { [constants.ZSTD_c_compressionLevel]: 3 } }).length;
    // etcd's own CPU while it serves each snapshot: it shares the machine's cores with the client.
    const served = <T>(run: () => T): [T, number] => {
      const before = processCpuSeconds(etcd.pid);
      const result = run();
      return [result, processCpuSeconds(etcd.pid) - before];
    };
    const [etcdctl, etcdctlServed] = served(etcdctlSave);
    rmSync(file);
    const firstPipeline = pipelineSave();
    const [first, firstServed] = served(() => etcdBackup(repo));
    etcdctlSave();
    const snapshotBytes = readFileSync(file);
    const compressed = zstdSize(snapshotBytes);
    console.log(`snapshot: etcdctl ${etcdctl.seconds.toFixed(1)}s, strata ${first.seconds.toFixed(1)}s; ${(snapshotBytes.length / 2 ** 20).toFixed(0)} MiB, ${(compressed / 2 ** 20).toFixed(0)} MiB with zstd -3`);
    rmSync(file);

    const afterFirst = du(repo);
    const compact = async () => {
      const { revision } = await client.status();
      execFileSync(binary('etcd', 'etcdctl'), [`--endpoints=${url}`, 'compact', '--physical', String(revision)], { stdio: 'ignore' });
    };
    /** Six more days into `repository`: each day the keys `changes` names are rewritten and the history compacted. */
    const week = async (repository: string, label: string, changes: () => readonly number[], generation: number) => {
      let daily;
      for (let day = 2; day <= 7; day++) {
        const changed = changes();
        await putAll(client, changed, generation + day);
        await compact();
        daily = etcdBackup(repository);
        console.log(`${label} day ${day}: ${changed.length} keys rewritten and compacted; snapshot ${daily.seconds.toFixed(1)}s; repository ${(du(repository) / 2 ** 20).toFixed(0)} MiB; ${daily.stdout.trim()}`);
      }
      return { size: du(repository), lastDaily: daily! };
    };
    const { size: total, lastDaily } = await week(repo, 'uniform churn', () => someKeys(count), 0);
    // A daily snapshot, the one a schedule takes every day, against etcdctl on the same database.
    const dailyEtcdctl = etcdctlSave();
    rmSync(file);
    const dailyPipeline = pipelineSave();
    // The same with etcd on core 0 and the client on core 1, as on a backup host apart from etcd.
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(etcd.pid)], { stdio: 'ignore' });
    const pin = ['taskset', '-c', '1'];
    const pinnedEtcdctl = measure([...pin, binary('etcd', 'etcdctl'), `--endpoints=${url}`, 'snapshot', 'save', file], env);
    rmSync(file);
    const pinnedPipeline = pipelineSave(pin);
    const pinnedRepo = join(dir, 'repo-pinned');
    measure(strataCommand(['init', '--repo', pinnedRepo]), env);
    const pinnedFirst = measure([...pin, ...strataCommand(['backup', '--repo', pinnedRepo, '--etcd', '--etcd-endpoints', url])], env);
    execFileSync('taskset', ['-a', '-p', '-c', '0-1023', String(etcd.pid)], { stdio: 'ignore' });

    // The same week again with the churn of a real cluster: the same objects (leases,
    // endpoints, status of running pods) change day after day, and were written recently
    // before the first snapshot, while the rest stays put.
    const hot = someKeys(count);
    await putAll(client, hot, 10);
    await compact();
    const hotRepo = join(dir, 'repo-hot');
    measure(strataCommand(['init', '--repo', hotRepo]), env);
    etcdctlSave();
    const hotCompressed = zstdSize(readFileSync(file));
    rmSync(file);
    etcdBackup(hotRepo);
    const hotTotal = (await week(hotRepo, 'hot churn', () => hot, 10)).size;

    const mb = (bytes: number) => bytes / 2 ** 20;
    const rows: Row[] = [
      { metric: 'first snapshot time (s), strata/seed 002-003 pipeline', strata: first.seconds, other: firstPipeline.seconds, ratio: first.seconds / firstPipeline.seconds, target: '≤ 1.0' },
      { metric: 'daily snapshot (day 7) time (s), strata/pipeline', strata: lastDaily.seconds, other: dailyPipeline.seconds, ratio: lastDaily.seconds / dailyPipeline.seconds, target: '≤ 1.0' },
      { metric: 'pinned (etcd core 0, client core 1) time (s), strata/pipeline', strata: pinnedFirst.seconds, other: pinnedPipeline.seconds, ratio: pinnedFirst.seconds / pinnedPipeline.seconds, target: '≤ 1.0' },
      { metric: '  pinned, etcdctl/strata (the floor: a bare save)', strata: pinnedFirst.seconds, other: pinnedEtcdctl.seconds, ratio: pinnedEtcdctl.seconds / pinnedFirst.seconds, target: 'information' },
      { metric: 'first snapshot time (s), etcdctl/strata (the floor)', strata: first.seconds, other: etcdctl.seconds, ratio: etcdctl.seconds / first.seconds, target: '≥ 0.9' },
      { metric: '  client CPU seconds (hashing twice, compressing, encrypting)', strata: first.cpuSeconds, other: etcdctl.cpuSeconds, ratio: first.cpuSeconds / etcdctl.cpuSeconds, target: 'information' },
      { metric: '  etcd server CPU seconds while serving it', strata: firstServed, other: etcdctlServed, ratio: firstServed / etcdctlServed, target: 'information' },
      { metric: 'daily snapshot (day 7) time (s), etcdctl/strata', strata: lastDaily.seconds, other: dailyEtcdctl.seconds, ratio: dailyEtcdctl.seconds / lastDaily.seconds, target: '≥ 0.9' },
      { metric: '  client CPU seconds', strata: lastDaily.cpuSeconds, other: dailyEtcdctl.cpuSeconds, ratio: lastDaily.cpuSeconds / dailyEtcdctl.cpuSeconds, target: 'information' },
      { metric: 'snapshot peak RSS (MB)', strata: first.peakRssMb, other: etcdctl.peakRssMb, ratio: first.peakRssMb / etcdctl.peakRssMb },
      { metric: 'repository after 1 snapshot vs zstd file (MiB)', strata: mb(afterFirst), other: mb(compressed), ratio: afterFirst / compressed },
      { metric: '7 dailies, random 5% churn, vs one zstd snapshot (MiB)', strata: mb(total), other: mb(compressed), ratio: total / compressed, target: '≤ 1.5' },
      { metric: '7 dailies, random 5% churn, vs 7 plain copies (MiB)', strata: mb(total), other: mb(7 * snapshotBytes.length), ratio: total / (7 * snapshotBytes.length) },
      { metric: '7 dailies, same 5% churning, vs one zstd snapshot (MiB)', strata: mb(hotTotal), other: mb(hotCompressed), ratio: hotTotal / hotCompressed, target: '≤ 1.5' },
    ];
    printTable('etcd: strata vs etcdctl snapshot save', 'etcdctl', rows);
  } finally {
    client.close();
    await stopProcess(etcd);
    if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }
}
