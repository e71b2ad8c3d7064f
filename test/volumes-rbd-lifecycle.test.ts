/**
 * The life of one RBD volume after its backups, on the test bed's Ceph and API server:
 * live Ceph snapshots kept by a GFS policy (and still holding their data for a rollback);
 * a restore bound to a new static PV/PVC that the controller manager binds; a restore in
 * place that stops the Deployment and CronJob using the claim and starts them again; and a
 * damaged block in the repository that marks exactly the backup it belongs to.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveSnapshotName } from '../src/core/volumes/live-snapshots.ts';
import { filesUnder } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, getJson, kubectl } from './helpers/workloads.ts';

const MiB = 1024 * 1024;

interface Saved {
  id: string;
  sources: { type: string; record?: { volumes: { claim: string; rbd?: { image: string; snapshot: string; blocksStored: number; blocksAsDeltas?: number } }[] } }[];
}

/** An `rbd diff v1` stream writing `data` at `offset`, for `rbd import-diff` (no kernel rbd here). */
function writeDiff(offset: number, data: Buffer): Buffer {
  const le64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  return Buffer.concat([Buffer.from('rbd diff v1\nw'), le64(offset), le64(data.length), data, Buffer.from('e')]);
}

describe('volumes: live snapshots, static claims, in-place restore and damage', () => {
  const cluster = useCluster({ name: 'volumes-rbd-life', nodes: 1, ceph: true });
  const s = scratch();
  const repo = `${s.dir}/repo`;

  it('keeps live snapshots by GFS, binds restored images, restores in place and contains damage', async () => {
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    const { conf, pool } = cluster().bed.ceph!;
    const rbd = (args: readonly string[], input?: Buffer) => execFileSync('rbd', ['-c', conf, ...args], { maxBuffer: 256 * MiB, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(input !== undefined && { input }) });
    const sha = (spec: string) => createHash('sha256').update(rbd(['export', '--no-progress', spec, '-'])).digest('hex');
    const snaps = (image: string) => (JSON.parse(rbd(['snap', 'ls', '--format', 'json', `${pool}/${image}`]).toString()) as { name: string }[]).map((x) => x.name).sort();
    const image = `app-${ns}`;
    const file = join(cluster().bed.dir, `${image}.img`);
    writeFileSync(file, Buffer.concat([randomBytes(6 * MiB), Buffer.alloc(10 * MiB)]));
    rbd(['import', '--no-progress', file, `${pool}/${image}`]);
    rbd(['snap', 'create', '--no-progress', `${pool}/${image}@kept-by-hand`]);
    kubectl(kc, ['apply', '-f', '-'], `
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-app }
spec:
  capacity: { storage: 16Mi }
  accessModes: [ReadWriteOnce]
  storageClassName: rbd-${ns}
  claimRef: { namespace: ${ns}, name: app-data }
  csi: { driver: rook-ceph.rbd.csi.ceph.com, volumeHandle: opaque-${ns}, fsType: ext4, volumeAttributes: { pool: ${pool}, imageName: ${image}, clusterID: rook-ceph } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: app-data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: rbd-${ns}, volumeName: ${ns}-app, resources: { requests: { storage: 16Mi } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }], volumes: [{ name: data, persistentVolumeClaim: { claimName: app-data } }] }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: report, namespace: ${ns} }
spec:
  schedule: "0 3 1 1 *"
  jobTemplate:
    spec:
      template:
        spec: { restartPolicy: Never, containers: [{ name: report, image: busybox }], volumes: [{ name: data, persistentVolumeClaim: { claimName: app-data } }] }
`);
    const runningPods = () => getJson<{ items: { status: { phase: string } }[] }>(kc, ['pods', '-n', ns, '-l', 'app=web']).items.filter((p) => p.status.phase === 'Running').length;
    await eventually('the claim to bind and both pods to run', () => getJson<{ status: { phase: string } }>(kc, ['pvc', 'app-data', '-n', ns]).status.phase === 'Bound' && runningPods() === 2);
    await s.ok(['init', '--repo', repo]);

    // Five daily backups over two weeks, with writes in between, keeping daily=2,weekly=2 in Ceph.
    const days = [2, 3, 4, 9, 10].map((day) => new Date(2026, 10, day, 12, 0, 0));
    const saved: Saved[] = [];
    const atBackup: string[] = [];
    const packs = () => (existsSync(join(repo, 'data')) ? filesUnder(join(repo, 'data')) : []);
    for (const [round, day] of days.entries()) {
      if (round > 0) rbd(['import-diff', '--no-progress', '-', `${pool}/${image}`], writeDiff(round * 512 * 1024, randomBytes(256 * 1024)));
      const time = `2026-11-${String(day.getDate()).padStart(2, '0')} 12:00:00`;
      saved.push(JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--pvc', `${ns}/app-data`, '--time', time, '--keep-live', 'daily=2,weekly=2', '--json'])).stdout) as Saved);
      atBackup.push(sha(`${pool}/${image}`));
    }
    const record = (x: Saved) => x.sources.find((src) => src.type === 'volumes')!.record!.volumes[0]!.rbd!;
    expect(saved.map((x) => record(x).snapshot)).toEqual(days.map((d) => liveSnapshotName(d)));
    // Kept: 10 Nov (daily, weekly), 9 Nov (daily), 4 Nov (the newest of the week before); never a snapshot that is not Strata's.
    expect(snaps(image)).toEqual(['kept-by-hand', ...[4, 9, 10].map((d) => liveSnapshotName(new Date(2026, 10, d, 12, 0, 0)))].sort());
    // A kept snapshot still holds its day's data: a rollback target.
    expect(sha(`${pool}/${image}@${liveSnapshotName(days[2]!)}`)).toBe(atBackup[2]);

    // Restore the third backup to a new image bound to a new static PV and claim.
    const bound = JSON.parse((await s.ok(['restore', saved[2]!.id, '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--pvc', `${ns}/app-data`, '--image-suffix', '-copy', '--create-pvc', '--json'])).stdout) as { volumes: { image: string; sha256: string; restoredClaim: { claim: string; volume: string; phase: string } }[] };
    const [copy] = bound.volumes;
    expect(copy!.sha256).toBe(atBackup[2]);
    expect(sha(`${pool}/${image}-copy`)).toBe(atBackup[2]);
    expect(copy!.restoredClaim).toEqual({ claim: `${ns}/app-data-copy`, volume: 'app-data-copy', phase: 'Bound' });
    const pv = getJson<{ spec: { persistentVolumeReclaimPolicy: string; storageClassName: string; csi: { driver: string; fsType: string; volumeAttributes: Record<string, string> }; claimRef: { name: string } } }>(kc, ['pv', 'app-data-copy']);
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.spec.csi).toMatchObject({ driver: 'rook-ceph.rbd.csi.ceph.com', fsType: 'ext4', volumeAttributes: { pool, imageName: `${image}-copy`, clusterID: 'rook-ceph', staticVolume: 'true' } });
    expect(getJson<{ spec: { volumeName: string; storageClassName: string } }>(kc, ['pvc', 'app-data-copy', '-n', ns]).spec).toMatchObject({ volumeName: 'app-data-copy', storageClassName: `rbd-${ns}` });
    const again = await s.run(['restore', saved[2]!.id, '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--pvc', `${ns}/app-data`, '--image-suffix', '-copy', '--create-pvc']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('exists already');

    // In place: bad combinations are refused before anything changes.
    const unnamed = await s.run(['restore', saved[0]!.id, '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--in-place']);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('--in-place needs the claims named with --pvc');
    const mixed = await s.run(['restore', saved[0]!.id, '--repo', repo, '--volumes', '--pvc', `${ns}/app-data`, '--in-place', '--create-pvc']);
    expect(mixed.code).toBe(2);

    // The first backup over the live image: the Deployment and CronJob stop, the image is rewritten and verified, both start again.
    const before = sha(`${pool}/${image}`);
    const inPlace = JSON.parse((await s.ok(['restore', saved[0]!.id, '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--pvc', `${ns}/app-data`, '--in-place', '--wait', '2m', '--json'])).stdout) as { volumes: { image: string; sha256: string; safetySnapshot: string; stopped: string[] }[] };
    const [over] = inPlace.volumes;
    expect(over!.image).toBe(`${pool}/${image}`);
    expect(over!.sha256).toBe(atBackup[0]);
    expect(sha(`${pool}/${image}`)).toBe(atBackup[0]);
    expect(over!.stopped.sort()).toEqual(['CronJob/report (suspended)', 'Deployment/web (2 replicas)']);
    expect(over!.safetySnapshot).toMatch(/^strata-pre-restore-\d{8}T\d{6}Z$/);
    expect(sha(`${pool}/${image}@${over!.safetySnapshot}`)).toBe(before);
    expect(getJson<{ spec: { replicas: number } }>(kc, ['deployment', 'web', '-n', ns]).spec.replicas).toBe(2);
    expect(getJson<{ spec: { suspend: boolean } }>(kc, ['cronjob', 'report', '-n', ns]).spec.suspend).toBe(false);
    await eventually('both pods to run again', () => runningPods() === 2);
    // The next backup reads the restored bytes from its diff base as usual.
    const after = JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--pvc', `${ns}/app-data`, '--json'])).stdout) as Saved;
    const check = JSON.parse((await s.ok(['restore', after.id, '--repo', repo, '--ceph-conf', conf, '--volumes', '--image-suffix', '-after', '--json'])).stdout) as { volumes: { sha256: string }[] };
    expect(check.volumes[0]!.sha256).toBe(atBackup[0]);

    // Each day's 256 KiB went in as a delta over the day before: the chain of block 0 runs
    // back to the first backup, and every backup still restores on its own.
    expect(saved.slice(1).map((x) => record(x).blocksAsDeltas)).toEqual([1, 1, 1, 1]);
    const deltaRestore = JSON.parse((await s.ok(['restore', saved[3]!.id, '--repo', repo, '--ceph-conf', conf, '--volumes', '--image-suffix', '-day4', '--json'])).stdout) as { volumes: { sha256: string }[] };
    expect(deltaRestore.volumes[0]!.sha256).toBe(atBackup[3]);
    expect((await s.ok(['check', '--read-data', '--repo', repo])).code).toBe(0);
    // Forget the first backup (the oldest of six) and repack everything unused.
    const forgotten = JSON.parse((await s.ok(['forget', '--repo', repo, '--keep-last', '5', '--prune', '--max-unused', '0%', '--json'])).stdout) as { removed: string[] };
    expect(forgotten.removed).toEqual([saved[0]!.id]);
    // The first backup's block 0 is gone from the snapshots but is the base of every delta: prune kept it.
    expect((await s.ok(['check', '--read-data', '--repo', repo])).code).toBe(0);
    const afterPrune = JSON.parse((await s.ok(['restore', saved[2]!.id, '--repo', repo, '--ceph-conf', conf, '--volumes', '--image-suffix', '-pruned', '--json'])).stdout) as { volumes: { sha256: string }[] };
    expect(afterPrune.volumes[0]!.sha256).toBe(atBackup[2]);

    // One more day, then one flipped byte in the pack its changed block went to: that backup
    // is damaged, the ones before it (which its block may build on) are not.
    const packsBefore = new Set(packs());
    rbd(['import-diff', '--no-progress', '-', `${pool}/${image}`], writeDiff(3 * MiB, randomBytes(256 * 1024)));
    const last = JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--pvc', `${ns}/app-data`, '--json'])).stdout) as Saved;
    expect(record(last).blocksStored).toBe(1);
    const pack = packs().filter((p) => !packsBefore.has(p)).sort((x, y) => statSync(y).size - statSync(x).size)[0]!;
    const bytes = readFileSync(pack);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
    writeFileSync(pack, bytes);
    const damaged = await s.run(['check', '--read-data', '--repo', repo, '--json']);
    expect(damaged.code).toBe(1);
    const report = JSON.parse(damaged.stdout) as { damagedSnapshots: string[]; damagedBlobs: { usedBy: { path: string }[] }[] };
    expect(report.damagedSnapshots).toEqual([last.id]);
    expect(report.damagedBlobs.flatMap((d) => d.usedBy.map((u) => u.path))).toContain(`/volumes/${ns}/app-data`);
    const broken = await s.run(['restore', last.id, '--repo', repo, '--ceph-conf', conf, '--volumes', '--image-suffix', '-broken']);
    expect(broken.code).toBe(3);
    const intact = JSON.parse((await s.ok(['restore', saved[4]!.id, '--repo', repo, '--ceph-conf', conf, '--volumes', '--image-suffix', '-intact', '--json'])).stdout) as { volumes: { sha256: string }[] };
    expect(intact.volumes[0]!.sha256).toBe(atBackup[4]);
  }, 400_000);

  it('runs rbd in a Rook toolbox pod through the API server\'s pods/exec, streaming both ways', async () => {
    // KWOK serves this pod's exec by running the command on this machine (testbed/kwok-stages.yaml), as the toolbox would in its pod.
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    const { conf, pool } = cluster().bed.ceph!;
    const rbd = (args: readonly string[]) => execFileSync('rbd', ['-c', conf, ...args], { maxBuffer: 256 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
    const sha = (spec: string) => createHash('sha256').update(rbd(['export', '--no-progress', spec, '-'])).digest('hex');
    const image = `tools-${ns}`;
    const file = join(cluster().bed.dir, `${image}.img`);
    writeFileSync(file, Buffer.concat([randomBytes(5 * MiB), Buffer.alloc(3 * MiB)]));
    rbd(['import', '--no-progress', file, `${pool}/${image}`]);
    kubectl(kc, ['apply', '-f', '-'], `
apiVersion: v1
kind: Pod
metadata: { name: rook-ceph-tools-0, namespace: ${ns}, labels: { app: rook-ceph-tools } }
spec: { containers: [{ name: tools, image: rook/ceph }] }
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-tools }
spec:
  capacity: { storage: 8Mi }
  accessModes: [ReadWriteOnce]
  storageClassName: rbd-${ns}
  claimRef: { namespace: ${ns}, name: tools-data }
  csi: { driver: rbd.csi.ceph.com, volumeHandle: opaque-${ns}, volumeAttributes: { pool: ${pool}, imageName: ${image} } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: tools-data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: rbd-${ns}, volumeName: ${ns}-tools, resources: { requests: { storage: 8Mi } } }
`);
    await eventually('the toolbox to run and the claim to bind', () => getJson<{ status: { phase: string } }>(kc, ['pod', 'rook-ceph-tools-0', '-n', ns]).status.phase === 'Running'
      && getJson<{ status: { phase: string } }>(kc, ['pvc', 'tools-data', '-n', ns]).status.phase === 'Bound');
    const toolboxRepo = `${s.dir}/repo-toolbox`;
    await s.ok(['init', '--repo', toolboxRepo]);
    // No --ceph-conf on this side: the path is the pod's, passed to rbd there.
    const viaToolbox = ['--kubeconfig', kc, '--ceph-toolbox', ns, '--ceph-conf', conf];
    const first = JSON.parse((await s.ok(['backup', '--repo', toolboxRepo, ...viaToolbox, '--volumes', '--pvc', `${ns}/tools-data`, '--json'])).stdout) as Saved;
    const atFirst = sha(`${pool}/${image}`);
    rbd(['bench', '--io-type', 'write', '--io-size', '64K', '--io-total', '512K', '--io-pattern', 'rand', image, '--pool', pool]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The second with 64 KiB blocks: a full read (said), stored at the new size.
    const second = JSON.parse((await s.ok(['backup', '--repo', toolboxRepo, ...viaToolbox, '--volumes', '--pvc', `${ns}/tools-data`, '--rbd-block-size', '64KiB', '--json'])).stdout) as Saved & { warnings: string[] };
    expect(second.warnings.join()).toContain('the block size changed (4194304 → 65536 bytes); the whole image was read');
    const atSecond = sha(`${pool}/${image}`);
    const volumes = (x: Saved) => x.sources.find((src) => src.type === 'volumes')!.record!.volumes as unknown as { rbd: { snapshot: string; base: string | null; blockSize: number } }[];
    expect(volumes(second)[0]!.rbd).toMatchObject({ base: null, blockSize: 65536 });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // Ceph snapshot names have one-second resolution
    const third = JSON.parse((await s.ok(['backup', '--repo', toolboxRepo, ...viaToolbox, '--volumes', '--pvc', `${ns}/tools-data`, '--rbd-block-size', '64KiB', '--json'])).stdout) as Saved;
    expect(volumes(third)[0]!.rbd.base).toBe(volumes(second)[0]!.rbd.snapshot);
    for (const [saved, expected, suffix] of [[first, atFirst, '-t1'], [second, atSecond, '-t2']] as const) {
      // restore feeds rbd import through the exec stream's standard input, closed by v5.channel.k8s.io.
      const out = JSON.parse((await s.ok(['restore', saved.id, '--repo', toolboxRepo, ...viaToolbox, '--volumes', '--image-suffix', suffix, '--json'])).stdout) as { volumes: { sha256: string }[] };
      expect(out.volumes[0]!.sha256).toBe(expected);
      expect(sha(`${pool}/${image}${suffix}`)).toBe(expected);
    }
    const noToolbox = await s.run(['backup', '--repo', toolboxRepo, '--kubeconfig', kc, '--ceph-toolbox', ns, '--ceph-toolbox-selector', 'app=missing', '--volumes', '--pvc', `${ns}/tools-data`]);
    expect(noToolbox.code).toBe(3);
    expect(noToolbox.stderr).toContain(`no running Rook toolbox pod in ${ns} matches app=missing`);
  }, 300_000);
});
