/**
 * CSI VolumeSnapshots on the test bed: the upstream snapshot CRDs, snapshot-controller,
 * csi-provisioner and csi-snapshotter against the API server, with the test bed's hostpath
 * driver (testbed/csi-driver.ts). A Deployment's claim is provisioned by the driver; Strata
 * snapshots it twice with writes in between, each restore makes a claim from the recorded
 * VolumeSnapshot holding the data of that moment, and retention deletes the VolumeSnapshots
 * of forgotten snapshots (in a plan run, and by `forget --delete-volume-snapshots`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, getJson, kubectl } from './helpers/workloads.ts';

interface CsiRecord { name: string; namespace: string; className: string; driver: string; content: string; snapshotHandle: string; restoreSize: number }
interface Saved { id: string; result: string; sources: { type: string; record?: { volumes: { claim: string; csi?: CsiRecord; error?: string }[] } }[] }

describe('volumes: CSI VolumeSnapshots', () => {
  const cluster = useCluster({ name: 'volumes-csi', nodes: 1, csi: true });
  const s = scratch();
  const repo = `${s.dir}/repo`;

  it('snapshots a claim through the CSI driver, restores claims from the snapshots, and deletes them by retention', async () => {
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    const csi = cluster().bed.csi!;
    kubectl(kc, ['apply', '-f', '-'], `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: ${csi.storageClass}, resources: { requests: { storage: 8Mi } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: app, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec: { containers: [{ name: app, image: busybox }], volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }] }
`);
    const pathOf = (claim: string) => {
      const pvc = getJson<{ spec: { volumeName: string } }>(kc, ['pvc', claim, '-n', ns]);
      return getJson<{ spec: { csi: { volumeAttributes: { path: string } } } }>(kc, ['pv', pvc.spec.volumeName]).spec.csi.volumeAttributes.path;
    };
    await eventually('the driver to provision the claim', () => getJson<{ status: { phase: string } }>(kc, ['pvc', 'data', '-n', ns]).status.phase === 'Bound');
    const data = pathOf('data');
    const write = (files: Record<string, string>) => {
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(join(data, name, '..'), { recursive: true });
        writeFileSync(join(data, name), content);
      }
    };
    const read = (dir: string, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
    await s.ok(['init', '--repo', repo]);
    const backup = async (extra: readonly string[] = []) => JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--volumes', '--workload', `${ns}/deployment/app`, ...extra, '--json'])).stdout) as Saved;
    const entry = (x: Saved) => x.sources.find((src) => src.type === 'volumes')!.record!.volumes[0]!;

    write({ 'a.txt': 'first', 'dir/b.txt': 'one' });
    const first = await backup();
    write({ 'a.txt': 'second', 'dir/c.txt': 'new' });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // VolumeSnapshot names carry the second
    const second = await backup();
    write({ 'a.txt': 'third' });

    for (const saved of [first, second]) {
      expect(saved.result).toBe('completed');
      const recorded = entry(saved).csi!;
      expect(recorded).toMatchObject({ namespace: ns, className: csi.snapshotClass, driver: csi.driver });
      expect(recorded.name).toMatch(/^strata-data-\d{8}t\d{6}z$/);
      expect(recorded.snapshotHandle).toMatch(/^snap-/);
      const vs = getJson<{ status: { readyToUse: boolean; boundVolumeSnapshotContentName: string } }>(kc, ['volumesnapshot', recorded.name, '-n', ns]);
      expect(vs.status).toMatchObject({ readyToUse: true, boundVolumeSnapshotContentName: recorded.content });
    }

    // Each restore is a new claim made from its VolumeSnapshot, holding the data of that moment.
    const restore = async (saved: Saved, suffix: string) => {
      const out = JSON.parse((await s.ok(['restore', saved.id, '--repo', repo, '--kubeconfig', kc, '--volumes', '--image-suffix', suffix, '--json'])).stdout) as { volumes: { source: string; restoredClaim: { claim: string; phase: string } }[] };
      expect(out.volumes).toHaveLength(1);
      expect(out.volumes[0]!.source).toBe(`VolumeSnapshot ${ns}/${entry(saved).csi!.name}`);
      expect(out.volumes[0]!.restoredClaim).toMatchObject({ claim: `${ns}/data${suffix}`, phase: 'Bound' });
      expect(getJson<{ spec: { dataSource: { kind: string; name: string } } }>(kc, ['pvc', `data${suffix}`, '-n', ns]).spec.dataSource).toMatchObject({ kind: 'VolumeSnapshot', name: entry(saved).csi!.name });
      return pathOf(`data${suffix}`);
    };
    expect(read(await restore(first, '-r1'), ['a.txt', 'dir/b.txt'])).toEqual({ 'a.txt': 'first', 'dir/b.txt': 'one' });
    expect(read(await restore(second, '-r2'), ['a.txt', 'dir/b.txt', 'dir/c.txt'])).toEqual({ 'a.txt': 'second', 'dir/b.txt': 'one', 'dir/c.txt': 'new' });
    const inPlace = await s.run(['restore', first.id, '--repo', repo, '--kubeconfig', kc, '--volumes', '--pvc', `${ns}/data`, '--in-place']);
    expect(inPlace.code).toBe(3);
    expect(inPlace.stderr).toContain('a CSI snapshot restores into a new claim, not in place');

    // A class that does not exist: named in the error, the volume recorded as failed (exit 3).
    const wrong = await s.run(['backup', '--repo', repo, '--kubeconfig', kc, '--volumes', '--pvc', `${ns}/data`, '--volume-snapshot-class', 'nope']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('--volume-snapshot-class nope: no such VolumeSnapshotClass');

    // A plan with mode csi and retention last: 1 deletes the VolumeSnapshot of the run it forgets.
    const config = join(s.dir, 'strata.yaml');
    writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${kc} }
plans:
  snap:
    cluster: bed
    repository: main
    sources: [{ type: volumes, pvcs: [${ns}/data], mode: csi, volumeSnapshotClass: ${csi.snapshotClass} }]
    retention: { last: 1, prune: false }
`);
    const runs: Saved[] = [];
    for (let i = 0; i < 2; i++) {
      const run = JSON.parse((await s.ok(['run', 'snap', '--config', config, '--json'])).stdout) as { result: string; snapshot: string };
      expect(run.result).toBe('succeeded');
      runs.push(JSON.parse((await s.ok(['show', run.snapshot, '--repo', repo, '--json'])).stdout) as Saved);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const exists = (name: string) => kubectl(kc, ['get', 'volumesnapshot', '-n', ns, '--ignore-not-found', '-o', 'name', name]).trim() !== '';
    // Deleting lets the snapshot-controller remove its finalizers and the content first.
    await eventually('the forgotten run\'s VolumeSnapshot to go', () => !exists(entry(runs[0]!).csi!.name), 60_000);
    expect(exists(entry(runs[1]!).csi!.name)).toBe(true);

    // forget without a plan: the older CLI backup goes, and with it its VolumeSnapshot.
    const forgot = JSON.parse((await s.ok(['forget', '--repo', repo, '--keep-last', '1', '--group-by', 'plan', '--delete-volume-snapshots', '--kubeconfig', kc, '--json'])).stdout) as { removed: string[]; volumeSnapshots: { deleted: string[] } };
    expect(forgot.removed).toContain(first.id);
    expect(forgot.volumeSnapshots.deleted).toContain(`${ns}/${entry(first).csi!.name}`);
    await eventually('the forgotten backup\'s VolumeSnapshot to go', () => !exists(entry(first).csi!.name), 60_000);
    expect(exists(entry(runs[1]!).csi!.name)).toBe(true);
  }, 300_000);
});
