/**
 * strata backup --volumes / restore --volumes on the test bed: a Deployment's claim on a
 * CSI RBD volume and a StatefulSet's claim on an in-tree RBD volume, pointing at real images
 * in the test bed's Ceph. Three backups with writes in between; each restores to a new
 * image with the SHA-256 of the image at that backup's Ceph snapshot; after forgetting the
 * oldest and pruning, the others still restore exactly; only the newest Ceph snapshot of
 * each image stays; a volume this version cannot read makes the backup partially failed.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, getJson, kubectl } from './helpers/workloads.ts';

const MiB = 1024 * 1024;

interface Saved {
  id: string;
  result: string;
  sources: { type: string; record?: { volumes: { namespace: string; claim: string; rbd?: { pool: string; image: string; snapshot: string; base: string | null; changedBytes: number } }[] } }[];
}

/** An `rbd diff v1` stream that writes `data` at `offset` (rbd import-diff applies it; there is no kernel rbd here). */
function writeDiff(offset: number, data: Buffer): Buffer {
  const le64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  return Buffer.concat([Buffer.from('rbd diff v1\nw'), le64(offset), le64(data.length), data, Buffer.from('e')]);
}

describe('volumes: RBD backup and restore through the CLI', () => {
  const cluster = useCluster({ name: 'volumes-rbd', nodes: 1, ceph: true });
  const s = scratch();
  const repo = `${s.dir}/repo`;

  it('backs up workloads\' RBD volumes from diffs and restores every backup exactly, also after forget and prune', async () => {
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    const { conf, pool } = cluster().bed.ceph!;
    const rbd = (args: readonly string[], input?: Buffer) => execFileSync('rbd', ['-c', conf, ...args], { maxBuffer: 256 * MiB, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(input !== undefined && { input }) });
    const sha = (spec: string) => createHash('sha256').update(rbd(['export', '--no-progress', spec, '-'])).digest('hex');
    const images = { web: `web-${ns}`, db: `db-${ns}` };
    for (const image of Object.values(images)) {
      const file = join(cluster().bed.dir, `${image}.img`);
      writeFileSync(file, Buffer.concat([randomBytes(6 * MiB), Buffer.alloc(10 * MiB)]));
      rbd(['import', '--no-progress', file, `${pool}/${image}`]);
    }
    kubectl(kc, ['apply', '-f', '-'], `
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-web }
spec:
  capacity: { storage: 16Mi }
  accessModes: [ReadWriteOnce]
  storageClassName: rbd-${ns}
  claimRef: { namespace: ${ns}, name: web-data }
  csi: { driver: rbd.csi.ceph.com, volumeHandle: opaque-${ns}, volumeAttributes: { pool: ${pool}, imageName: ${images.web}, clusterID: test } }
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-db-0 }
spec:
  capacity: { storage: 16Mi }
  accessModes: [ReadWriteOnce]
  storageClassName: rbd-${ns}
  claimRef: { namespace: ${ns}, name: data-db-0 }
  rbd: { pool: ${pool}, image: ${images.db}, monitors: [127.0.0.1:6789] }
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-logs }
spec:
  capacity: { storage: 16Mi }
  accessModes: [ReadWriteOnce]
  storageClassName: rbd-${ns}
  claimRef: { namespace: ${ns}, name: logs }
  hostPath: { path: /srv/logs }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: web-data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: rbd-${ns}, volumeName: ${ns}-web, resources: { requests: { storage: 16Mi } } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: logs, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: rbd-${ns}, volumeName: ${ns}-logs, resources: { requests: { storage: 16Mi } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }], volumes: [{ name: data, persistentVolumeClaim: { claimName: web-data } }] }
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
    spec: { containers: [{ name: db, image: postgres }] }
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], storageClassName: rbd-${ns}, resources: { requests: { storage: 16Mi } } }
`);
    await eventually('the claims to bind', () => getJson<{ items: { status: { phase: string } }[] }>(kc, ['pvc', '-n', ns]).items.filter((c) => c.status.phase === 'Bound').length === 3);
    await s.ok(['init', '--repo', repo]);
    const backupArgs = ['backup', '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--workload', `${ns}/deployment/web`, '--workload', `${ns}/sts/db`, '--json'];

    const saved: Saved[] = [];
    const entries = (x: Saved) => x.sources.find((src) => src.type === 'volumes')!.record!.volumes;
    // What each image held at each backup's Ceph snapshot, read before Strata removes the older snapshots.
    const expected = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      // 256 KiB of new random data inside the image's first object: where Ceph's diff names it exactly.
      if (round > 0) for (const image of Object.values(images)) rbd(['import-diff', '--no-progress', '-', `${pool}/${image}`], writeDiff(round * 512 * 1024, randomBytes(256 * 1024)));
      const backup = JSON.parse((await s.ok(backupArgs)).stdout) as Saved;
      saved.push(backup);
      for (const v of entries(backup)) expected.set(`${backup.id}:${ns}/${v.claim}`, sha(`${v.rbd!.pool}/${v.rbd!.image}@${v.rbd!.snapshot}`));
      await new Promise((resolve) => setTimeout(resolve, 1100)); // Ceph snapshot names have one-second resolution
    }
    expect(saved.map((x) => x.result)).toEqual(['completed', 'completed', 'completed']);
    expect(entries(saved[0]!).map((v) => v.claim)).toEqual(['data-db-0', 'web-data']);
    expect(entries(saved[0]!).every((v) => v.rbd!.base === null)).toBe(true);
    // Every image of one backup is snapshotted first, together: one Ceph snapshot name for all.
    for (const backup of saved) expect(new Set(entries(backup).map((v) => v.rbd!.snapshot)).size).toBe(1);
    for (const round of [1, 2]) {
      for (const v of entries(saved[round]!)) expect(v.rbd!.base).toBe(entries(saved[round - 1]!).find((p) => p.claim === v.claim)!.rbd!.snapshot);
    }
    expect(entries(saved[1]!).every((v) => v.rbd!.changedBytes <= 4 * MiB)).toBe(true);
    // Only the next diff base stays in Ceph.
    for (const v of entries(saved[2]!)) {
      expect((JSON.parse(rbd(['snap', 'ls', '--format', 'json', `${pool}/${v.rbd!.image}`]).toString()) as { name: string }[]).map((x) => x.name)).toEqual([v.rbd!.snapshot]);
    }

    const restoreAll = async (snapshot: Saved, suffix: string) => {
      const out = JSON.parse((await s.ok(['restore', snapshot.id, '--repo', repo, '--volumes', '--ceph-conf', conf, '--image-suffix', suffix, '--json'])).stdout) as { volumes: { claim: string; image: string; sha256: string }[] };
      expect(out.volumes).toHaveLength(2);
      for (const restored of out.volumes) {
        expect(restored.sha256).toBe(expected.get(`${snapshot.id}:${restored.claim}`));
        expect(sha(restored.image)).toBe(restored.sha256);
      }
    };
    for (const [i, snapshot] of saved.entries()) await restoreAll(snapshot, `-r${i}`);
    const again = await s.run(['restore', saved[0]!.id, '--repo', repo, '--volumes', '--ceph-conf', conf, '--image-suffix', '-r0']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('exists already');

    // Forget the oldest and prune: the others still restore exactly, and the data checks.
    await s.ok(['forget', '--repo', repo, '--keep-last', '2', '--prune']);
    for (const [i, snapshot] of saved.slice(1).entries()) await restoreAll(snapshot, `-after-prune-${i}`);
    expect((await s.ok(['check', '--repo', repo, '--read-data'])).stdout).toContain('no errors were found');

    // The same volumes as a plan of strata.yaml: `strata run` backs them up from the last diff base.
    const config = join(s.dir, 'strata.yaml');
    const hookLog = join(s.dir, 'hooks.log');
    writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${kc} }
plans:
  volumes:
    cluster: bed
    repository: main
    sources: [{ type: volumes, workloads: [${ns}/deployment/web], liveSnapshots: { last: 2 }, ceph: { confFile: ${conf} } }]
    hooks:
      pre: [{ command: [sh, -c, 'echo pre >> ${hookLog}'] }]
      afterSnapshot: [{ command: [sh, -c, 'echo after-snapshot >> ${hookLog}; rbd -c ${conf} snap ls --format json ${pool}/${images.web} >> ${hookLog}'] }]
      post: [{ command: [sh, -c, 'echo post >> ${hookLog}'] }]
`);
    const run = JSON.parse((await s.ok(['run', 'volumes', '--config', config, '--json'])).stdout) as { result: string; snapshot: string };
    expect(run.result).toBe('succeeded');
    const planned = JSON.parse((await s.ok(['show', run.snapshot, '--repo', repo, '--json'])).stdout) as Saved & { plan: string };
    expect(planned.plan).toBe('volumes');
    const previousBase = entries(saved[2]!).find((v) => v.claim === 'web-data')!.rbd!.snapshot;
    expect(entries(planned).map((v) => [v.claim, v.rbd!.base])).toEqual([['web-data', previousBase]]);
    // afterSnapshot hooks run between pre and post, once the run's Ceph snapshot exists (a freeze's thaw).
    const log = readFileSync(hookLog, 'utf8').split('\n');
    expect(log.filter((l) => /^[a-z-]+$/.test(l))).toEqual(['pre', 'after-snapshot', 'post']);
    expect(log[2]).toContain(entries(planned)[0]!.rbd!.snapshot);
    // The plan's liveSnapshots (last: 2) keeps the previous base in Ceph beside the new one.
    expect((JSON.parse(rbd(['snap', 'ls', '--format', 'json', `${pool}/${images.web}`]).toString()) as { name: string }[]).map((x) => x.name)).toEqual([previousBase, entries(planned)[0]!.rbd!.snapshot]);

    // With --volume-mode rbd a node directory is not read: recorded, partially failed (exit 3), the rest stored.
    const partial = await s.run(['backup', '--repo', repo, '--kubeconfig', kc, '--ceph-conf', conf, '--volumes', '--volume-mode', 'rbd', '--pvc', `${ns}/logs`, '--pvc', `${ns}/web-data`]);
    expect(partial.code).toBe(3);
    expect(partial.stderr).toContain(`volume ${ns}/logs: not backed up: mode rbd: a hostPath directory is read as files (mode auto or files)`);
  }, 300_000);
});
