/**
 * The RBD benchmark, on the test bed's Ceph: a 1 GiB image (60% random data, the rest never
 * written) behind a claim of a Deployment.
 * - initial: `strata backup --volumes` against the floor of `rbd export` of a snapshot to a
 *   local file (target ≤ 1.3× the floor's time);
 * - incremental, after 5% of the image is rewritten with random data in 4 MiB extents:
 *   `strata backup --volumes` against `rbd export-diff --from-snap` to a file (target ≤ 1.3×),
 *   and the repository growth against the changed bytes (random data does not compress;
 *   target ≤ 1.2×);
 * - the same with 5% rewritten as scattered 64 KiB writes, for information: with the default
 *   4 MiB blocks, Strata's growth there is a multiple of the changed bytes;
 * - and again into a repository of 64 KiB blocks (--rbd-block-size 64KiB), where the growth
 *   is what changed (target ≤ 1.2×).
 * Writes are made with `rbd import-diff` of a generated diff stream (there is no kernel rbd).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary } from '../testbed/binaries.ts';
import { down, up } from '../testbed/testbed.ts';
import { du, measure, printTable, type Row, strataCommand } from './measure.ts';

const MiB = 1024 * 1024;

/** An `rbd diff v1` stream writing random bytes at the given extents. */
function randomDiff(extents: readonly { offset: number; length: number }[], size: number): Buffer {
  const le64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  const parts: Buffer[] = [Buffer.from('rbd diff v1\n'), Buffer.from('s'), le64(size)];
  for (const e of [...extents].sort((a, b) => a.offset - b.offset)) parts.push(Buffer.from('w'), le64(e.offset), le64(e.length), randomBytes(e.length));
  parts.push(Buffer.from('e'));
  return Buffer.concat(parts);
}

/** `count` distinct extents of `length` bytes at random `length`-aligned offsets. */
function scattered(size: number, length: number, count: number): { offset: number; length: number }[] {
  const slots = new Set<number>();
  for (let guard = 0; slots.size < count && guard < count * 100; guard++) slots.add(Math.floor(Math.random() * (size / length)));
  return [...slots].map((slot) => ({ offset: slot * length, length }));
}

export async function runVolumesBench(scale: number): Promise<void> {
  const size = Math.max(64, Math.round(1024 * scale)) * MiB;
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-volumes-'));
  const bed = await up({ name: 'bench-volumes', nodes: 1, ceph: true });
  try {
    const { conf, pool } = bed.ceph!;
    const rbd = (args: readonly string[], input?: Buffer) => execFileSync('rbd', ['-c', conf, ...args], { maxBuffer: 64 * MiB, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(input !== undefined && { input }) });
    const image = 'bench-disk';
    const file = join(dir, 'initial.img');
    const data = Buffer.alloc(size);
    for (let at = 0; at < size * 0.6; at += MiB) randomBytes(MiB).copy(data, at);
    writeFileSync(file, data);
    rbd(['import', '--no-progress', file, `${pool}/${image}`]);
    rmSync(file);
    execFileSync(binary('kubernetes', 'kubectl'), ['--kubeconfig', bed.kubeconfig, 'apply', '-f', '-'], {
      input: `
apiVersion: v1
kind: Namespace
metadata: { name: bench }
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: bench-disk }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: bench-rbd
  claimRef: { namespace: bench, name: disk }
  csi: { driver: rbd.csi.ceph.com, volumeHandle: bench-disk, volumeAttributes: { pool: ${pool}, imageName: ${image} } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: disk, namespace: bench }
spec: { accessModes: [ReadWriteOnce], storageClassName: bench-rbd, volumeName: bench-disk, resources: { requests: { storage: 1Gi } } }
`,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    const repo = join(dir, 'repo');
    const env = { STRATA_PASSWORD: 'bench-password' };
    execFileSync(strataCommand(['init', '--repo', repo])[0]!, strataCommand(['init', '--repo', repo]).slice(1), { env: { ...process.env, ...env }, stdio: 'ignore' });
    const backupInto = (into: string, extra: readonly string[] = []) => measure(strataCommand(['backup', '--repo', into, '--kubeconfig', bed.kubeconfig, '--ceph-conf', conf, '--volumes', '--pvc', 'bench/disk', ...extra]), env);
    const backup = () => backupInto(repo);
    const rows: Row[] = [];

    // A backup must take a snapshot first (Strata also removes the one before): Ceph's monitors
    // commit each, which takes a large part of a second whatever the client. Timed here so the
    // table shows that share; the targets stay against the export alone.
    const snapCreate = measure(['rbd', '-c', conf, 'snap', 'create', '--no-progress', `${pool}/${image}@floor-0`]);
    const floorFull = measure(['rbd', '-c', conf, 'export', '--no-progress', `${pool}/${image}@floor-0`, join(dir, 'full.img')]);
    rmSync(join(dir, 'full.img'));
    const initial = backup();
    rows.push({ metric: `initial backup of ${size / MiB} MiB (s)`, strata: initial.seconds, other: floorFull.seconds, ratio: initial.seconds / floorFull.seconds, target: '≤ 1.3 (strata/rbd export)' });
    rows.push({ metric: '  against rbd snap create + export (s)', strata: initial.seconds, other: snapCreate.seconds + floorFull.seconds, ratio: initial.seconds / (snapCreate.seconds + floorFull.seconds), target: 'information' });
    rows.push({ metric: '  client CPU seconds (hashing, sealing)', strata: initial.cpuSeconds, other: floorFull.cpuSeconds, ratio: initial.cpuSeconds / floorFull.cpuSeconds, target: 'information' });
    rows.push({ metric: 'initial backup peak RSS (MB)', strata: initial.peakRssMb, other: floorFull.peakRssMb, ratio: initial.peakRssMb / floorFull.peakRssMb });

    let snap = 0;
    const incremental = (label: string, extents: { offset: number; length: number }[], target: string | undefined, into = repo, extra: readonly string[] = []) => {
      rbd(['import-diff', '--no-progress', '-', `${pool}/${image}`], randomDiff(extents, size));
      const changed = extents.reduce((sum, e) => sum + e.length, 0);
      rbd(['snap', 'create', '--no-progress', `${pool}/${image}@floor-${snap + 1}`]);
      const floor = measure(['rbd', '-c', conf, 'export-diff', '--no-progress', '--from-snap', `floor-${snap}`, `${pool}/${image}@floor-${snap + 1}`, join(dir, 'diff.bin')]);
      rmSync(join(dir, 'diff.bin'));
      snap++;
      const before = du(join(into, 'data'));
      const run = backupInto(into, extra);
      const growth = du(join(into, 'data')) - before;
      rows.push({ metric: `incremental, ${label} (s)`, strata: run.seconds, other: floor.seconds, ratio: run.seconds / floor.seconds, ...(target !== undefined && { target: '≤ 1.3 (strata/rbd export-diff)' }) });
      rows.push({ metric: `  repository growth vs changed (MiB)`, strata: growth / MiB, other: changed / MiB, ratio: growth / changed, target: target ?? 'information: 4 MiB blocks' });
    };
    incremental('5% as 4 MiB extents', scattered(size, 4 * MiB, Math.round((size * 0.05) / (4 * MiB))), '≤ 1.2');
    incremental('5% as 64 KiB writes', scattered(size, 64 * 1024, Math.round((size * 0.05) / (64 * 1024))), undefined);

    // The same scattered writes into a repository of 64 KiB blocks (--rbd-block-size): growth ≈ what changed.
    const small = join(dir, 'repo-64k');
    execFileSync(strataCommand(['init', '--repo', small])[0]!, strataCommand(['init', '--repo', small]).slice(1), { env: { ...process.env, ...env }, stdio: 'ignore' });
    const smallInitial = backupInto(small, ['--rbd-block-size', '64KiB']);
    rows.push({ metric: 'initial backup, 64 KiB blocks (s)', strata: smallInitial.seconds, other: floorFull.seconds, ratio: smallInitial.seconds / floorFull.seconds });
    incremental('5% as 64 KiB writes, 64 KiB blocks', scattered(size, 64 * 1024, Math.round((size * 0.05) / (64 * 1024))), '≤ 1.2', small, ['--rbd-block-size', '64KiB']);
    printTable(`volumes: a ${size / MiB} MiB RBD image, strata vs rbd`, 'rbd', rows);
  } finally {
    await down('bench-volumes');
    if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }
}
