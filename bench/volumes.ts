/**
 * The RBD benchmark, on the test bed's Ceph: a 1 GiB image (60% random data, the rest never
 * written) behind a claim of a Deployment. Strata's backup against two peers:
 * - the physical floor: `rbd export` of a snapshot (then `export-diff --from-snap`) to a
 *   local file (target ≤ 1.3× its time);
 * - seed 001's pipeline, what operators run today: `rbd snap create`, `rbd export` (then
 *   `export-diff --from-snap`) piped through gzip into a file, and the previous snapshot
 *   removed as its keep-one policy does (target ≤ 1.0× its time, initial and incremental).
 * Incrementals: 5% of the image rewritten with random data in 4 MiB extents (repository
 * growth against the changed bytes, target ≤ 1.2×); then seven daily runs of 1/64 of the image
 * written as 16 KiB writes at random places, as a database writes (growth per day ≤ 1.5×
 * the changed bytes, with the default 4 MiB blocks).
 * Writes are made with `rbd import-diff` of a generated diff stream (there is no kernel rbd).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary } from '../testbed/binaries.ts';
import { down, up } from '../testbed/testbed.ts';
import { du, measure, type Measurement, printTable, type Row, strataCommand } from './measure.ts';

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
  // Memstore copies a whole object into a clone for a snapshot: three tools' snapshots of an
  // image whose every object a day's writes touch pin several GiB until Ceph trims them.
  const bed = await up({ name: 'bench-volumes', nodes: 1, ceph: true, cephBytes: 12 * 1024 ** 3 });
  try {
    const { conf, pool } = bed.ceph!;
    const rbd = (args: readonly string[], input?: Buffer) => execFileSync('rbd', ['-c', conf, ...args], { maxBuffer: 64 * MiB, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(input !== undefined && { input }) });
    const image = 'bench-disk';
    const spec = `${pool}/${image}`;
    const file = join(dir, 'initial.img');
    const data = Buffer.alloc(size);
    for (let at = 0; at < size * 0.6; at += MiB) randomBytes(MiB).copy(data, at);
    writeFileSync(file, data);
    rbd(['import', '--no-progress', file, spec]);
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
    measure(strataCommand(['init', '--repo', repo]), env);
    const backup = () => measure(strataCommand(['backup', '--repo', repo, '--kubeconfig', bed.kubeconfig, '--ceph-conf', conf, '--volumes', '--pvc', 'bench/disk']), env);
    const rows: Row[] = [];

    /** Seed 001's tool: a snapshot, its export (or the diff from the one before) through gzip into a file, the one before removed. */
    let seed = 0;
    const pipeline = () => {
      const snap = `${spec}@seed-${seed + 1}`;
      const read = seed === 0 ? `rbd -c "$1" export --no-progress "$2" -` : `rbd -c "$1" export-diff --no-progress --from-snap seed-${seed} "$2" -`;
      const drop = seed === 0 ? 'true' : `rbd -c "$1" snap rm --no-progress "$3@seed-${seed}"`;
      const run = measure(['bash', '-c', `set -eo pipefail; rbd -c "$1" snap create --no-progress "$2"; ${read} | gzip > "$4"; ${drop}`, 'seed-001', conf, snap, spec, join(dir, `seed-${seed + 1}.gz`)]);
      rmSync(join(dir, `seed-${seed + 1}.gz`));
      seed++;
      return run;
    };
    /** The floor: a snapshot's export (or diff) to a local file, nothing else. */
    let floorSnap = 0;
    const floor = () => {
      rbd(['snap', 'create', '--no-progress', `${spec}@floor-${floorSnap + 1}`]);
      const from = floorSnap === 0 ? [] : ['--from-snap', `floor-${floorSnap}`];
      const run = measure(['rbd', '-c', conf, floorSnap === 0 ? 'export' : 'export-diff', '--no-progress', ...from, `${spec}@floor-${floorSnap + 1}`, join(dir, 'floor.bin')]);
      rmSync(join(dir, 'floor.bin'));
      if (floorSnap > 0) rbd(['snap', 'rm', '--no-progress', `${spec}@floor-${floorSnap}`]);
      floorSnap++;
      return run;
    };
    const compare = (label: string, strata: Measurement, bare: Measurement, seeds: Measurement) => {
      rows.push({ metric: `${label} (s), strata/seed 001 pipeline`, strata: strata.seconds, other: seeds.seconds, ratio: strata.seconds / seeds.seconds, target: '≤ 1.0' });
      rows.push({ metric: `  against the floor, rbd ${label.startsWith('initial') ? 'export' : 'export-diff'} to a file (s)`, strata: strata.seconds, other: bare.seconds, ratio: strata.seconds / bare.seconds, target: '≤ 1.3' });
    };

    const initialFloor = floor();
    const initialSeed = pipeline();
    const initial = backup();
    compare(`initial backup of ${size / MiB} MiB`, initial, initialFloor, initialSeed);
    rows.push({ metric: '  client CPU seconds (hashing, sealing)', strata: initial.cpuSeconds, other: initialSeed.cpuSeconds, ratio: initial.cpuSeconds / initialSeed.cpuSeconds, target: 'information: vs the pipeline' });
    rows.push({ metric: 'initial backup peak RSS (MB)', strata: initial.peakRssMb, other: initialFloor.peakRssMb, ratio: initial.peakRssMb / initialFloor.peakRssMb, target: '≤ 500 MB' });

    /** Writes the extents, then times the floor, the pipeline and Strata on what changed. */
    const incremental = (extents: { offset: number; length: number }[]) => {
      rbd(['import-diff', '--no-progress', '-', spec], randomDiff(extents, size));
      const changed = extents.reduce((sum, e) => sum + e.length, 0);
      const bare = floor();
      const seeds = pipeline();
      const before = du(join(repo, 'data'));
      const run = backup();
      return { run, bare, seeds, changed, growth: du(join(repo, 'data')) - before };
    };
    const blocks = incremental(scattered(size, 4 * MiB, Math.round((size * 0.05) / (4 * MiB))));
    compare(`incremental, 5% as 4 MiB extents`, blocks.run, blocks.bare, blocks.seeds);
    rows.push({ metric: '  repository growth vs changed (MiB)', strata: blocks.growth / MiB, other: blocks.changed / MiB, ratio: blocks.growth / blocks.changed, target: '≤ 1.2' });

    // A database's week: each day 1/64 of the image as 16 KiB writes at random places.
    const days = Array.from({ length: 7 }, () => incremental(scattered(size, 16 * 1024, Math.round(size / 64 / (16 * 1024)))));
    const sum = (pick: (d: (typeof days)[number]) => number) => days.reduce((total, d) => total + pick(d), 0);
    const worst = days.reduce((a, b) => (b.growth / b.changed > a.growth / a.changed ? b : a));
    compare('incremental, a day of 16 KiB writes (mean of 7)', { ...days[0]!.run, seconds: sum((d) => d.run.seconds) / 7 }, { ...days[0]!.bare, seconds: sum((d) => d.bare.seconds) / 7 }, { ...days[0]!.seeds, seconds: sum((d) => d.seeds.seconds) / 7 });
    rows.push({ metric: '  repository growth vs changed, 7 days (MiB)', strata: sum((d) => d.growth) / MiB, other: sum((d) => d.changed) / MiB, ratio: sum((d) => d.growth) / sum((d) => d.changed), target: '≤ 1.5' });
    rows.push({ metric: '  the worst day\'s growth vs changed (MiB)', strata: worst.growth / MiB, other: worst.changed / MiB, ratio: worst.growth / worst.changed, target: '≤ 1.5' });
    printTable(`volumes: a ${size / MiB} MiB RBD image, strata vs seed 001's pipeline and bare rbd`, 'rbd', rows);
  } finally {
    await down('bench-volumes');
    if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }
}
