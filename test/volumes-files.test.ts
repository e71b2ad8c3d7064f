/**
 * File-level volume backups on the test bed: a Deployment's hostPath volume with many files
 * is backed up as files, incrementally (a file changed behind an unchanged size, mtime and
 * inode is not read again, so the restore shows its old bytes), restored exactly into
 * another claim's directory, and in place into its own after its workload is stopped.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTree, generateTree } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, getJson, kubectl } from './helpers/workloads.ts';

interface Saved { id: string; result: string; summary: { newBytes: number }; sources: { type: string; record?: { volumes: { claim: string; path?: string; skipped?: string; files?: { path: string; node?: string; files: number; incremental: boolean } }[] } }[] }

describe('volumes: node directories as files', () => {
  const cluster = useCluster({ name: 'volumes-files', nodes: 1 });
  const s = scratch();
  const repo = `${s.dir}/repo`;
  const entry = (x: Saved) => x.sources.find((src) => src.type === 'volumes')!.record!.volumes[0]!;

  it('backs up a hostPath volume incrementally and restores it into another claim and in place', async () => {
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    const source = join(s.dir, 'uploads');
    const copy = join(s.dir, 'uploads-copy');
    generateTree(source, { smallFiles: 400, largeFiles: 2, largeSize: 2 * 1024 * 1024 }, 21);
    mkdirSync(copy);
    const pv = (name: string, claim: string, path: string) => `
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-${name} }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: local-${ns}
  claimRef: { namespace: ${ns}, name: ${claim} }
  hostPath: { path: ${path} }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${claim}, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: local-${ns}, volumeName: ${ns}-${name}, resources: { requests: { storage: 1Gi } } }
---`;
    kubectl(kc, ['apply', '-f', '-'], `${pv('uploads', 'uploads', source)}${pv('copy', 'uploads-copy', copy)}
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }], volumes: [{ name: data, persistentVolumeClaim: { claimName: uploads } }] }
`);
    await eventually('the claims to bind', () => getJson<{ items: { status: { phase: string } }[] }>(kc, ['pvc', '-n', ns]).items.every((c) => c.status.phase === 'Bound'));
    await s.ok(['init', '--repo', repo]);
    const backup = async () => JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--volumes', '--workload', `${ns}/deployment/web`, '--json'])).stdout) as Saved;

    const first = await backup();
    const atFirst = describeTree(source);
    expect(first.result).toBe('completed');
    expect(entry(first)).toMatchObject({ claim: 'uploads', path: `volumes/${ns}/uploads`, files: { path: source, incremental: false } });
    expect(entry(first).files!.files).toBe([...atFirst.values()].filter((e) => e.type === 'file').length);

    // Same size, same mtime, same inode, other bytes: only a re-read would notice. Plus a real change.
    const sneaky = join(source, 'setgid-dir-file');
    utimesSync(sneaky, 1_700_000_000, 1_700_000_000);
    const second = await backup();
    const before = describeTree(source);
    writeFileSync(sneaky, 'y');
    utimesSync(sneaky, 1_700_000_000, 1_700_000_000);
    writeFileSync(join(source, 'new-file'), 'added after the second backup');
    const third = await backup();
    expect(entry(second).files!.incremental).toBe(true);
    expect(entry(third).files!.incremental).toBe(true);
    expect(third.summary.newBytes).toBeLessThan(64 * 1024);

    // Into the other claim: exactly the tree as the third backup saw it, the sneaky file with its old bytes.
    const out = JSON.parse((await s.ok(['restore', third.id, '--repo', repo, '--kubeconfig', kc, '--volumes', '--pvc', `${ns}/uploads`, '--into-pvc', `${ns}/uploads-copy`, '--json'])).stdout) as { volumes: { restoredInto: string; files: number }[] };
    expect(out.volumes[0]).toMatchObject({ restoredInto: `${ns}/uploads-copy`, files: entry(third).files!.files });
    const expected = describeTree(source);
    expected.set('/setgid-dir-file', before.get('/setgid-dir-file')!);
    const restored = describeTree(copy);
    expected.delete('/'); restored.delete('/');
    expect(restored).toEqual(expected);

    // Where to write must be said; a claim that is not a node directory is refused by name.
    const nowhere = await s.run(['restore', third.id, '--repo', repo, '--kubeconfig', kc, '--volumes', '--pvc', `${ns}/uploads`]);
    expect(nowhere.code).toBe(3);
    expect(nowhere.stderr).toContain('was backed up as files: give --into-pvc NS/NAME, or --in-place');
    const missing = await s.run(['restore', third.id, '--repo', repo, '--kubeconfig', kc, '--volumes', '--pvc', `${ns}/uploads`, '--into-pvc', `${ns}/nope`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`--into-pvc ${ns}/nope: no such PersistentVolumeClaim`);

    // In place: the first backup back into its own claim, the Deployment stopped meanwhile and started again.
    writeFileSync(join(source, 'large-0.img'), 'overwritten');
    const inPlace = JSON.parse((await s.ok(['restore', first.id, '--repo', repo, '--kubeconfig', kc, '--volumes', '--pvc', `${ns}/uploads`, '--in-place', '--json'])).stdout) as { volumes: { restoredInto: string; stopped: string[] }[] };
    expect(inPlace.volumes[0]).toMatchObject({ restoredInto: `${ns}/uploads`, stopped: ['Deployment/web (1 replica)'] });
    const now = describeTree(source);
    for (const [path, description] of atFirst) if (path !== '/') expect(now.get(path), path).toEqual(description);
    expect(getJson<{ spec: { replicas: number } }>(kc, ['deployment', 'web', '-n', ns]).spec.replicas).toBe(1);
  }, 300_000);

  it('reads a mounted volume where the kubelet mounts it, on the agent\'s node only', async () => {
    // The kubelet's layout under a host root made for the test (KWOK mounts nothing): pods/UID/volumes/kubernetes.io~csi/PV/mount.
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    kubectl(kc, ['apply', '-f', '-'], `
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-db }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: rbd-${ns}
  claimRef: { namespace: ${ns}, name: db-data }
  csi: { driver: rbd.csi.ceph.com, volumeHandle: opaque-${ns}, volumeAttributes: { pool: rbd, imageName: db-${ns} } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: db-data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: rbd-${ns}, volumeName: ${ns}-db, resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Pod
metadata: { name: db-0, namespace: ${ns} }
spec: { containers: [{ name: db, image: postgres }], volumes: [{ name: data, persistentVolumeClaim: { claimName: db-data } }] }
`);
    await eventually('the pod to run', () => getJson<{ status: { phase: string } }>(kc, ['pod', 'db-0', '-n', ns]).status.phase === 'Running');
    const pod = getJson<{ metadata: { uid: string }; spec: { nodeName: string } }>(kc, ['pod', 'db-0', '-n', ns]);
    const hostRoot = join(s.dir, 'host');
    const mount = join(hostRoot, 'var/lib/kubelet/pods', pod.metadata.uid, 'volumes/kubernetes.io~csi', `${ns}-db`, 'mount');
    generateTree(mount, { smallFiles: 60, largeFiles: 1, largeSize: 256 * 1024 }, 31);
    const agentRepo = join(s.dir, 'agent-repo');
    await s.ok(['init', '--repo', agentRepo]);
    const config = join(s.dir, 'agent.yaml');
    writeFileSync(config, `
repositories:
  main: { url: ${agentRepo}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${kc} }
plans:
  agent:
    cluster: bed
    repository: main
    sources: [{ type: volumes, namespaces: [${ns}], mode: files }]
`);
    const run = JSON.parse((await s.ok(['run', 'agent', '--config', config, '--host-root', hostRoot, '--node', pod.spec.nodeName, '--json'])).stdout) as { result: string; snapshot: string };
    expect(run.result).toBe('succeeded');
    const saved = JSON.parse((await s.ok(['show', run.snapshot, '--repo', agentRepo, '--json'])).stdout) as Saved;
    expect(entry(saved)).toMatchObject({ claim: 'db-data', files: { path: `/var/lib/kubelet/pods/${pod.metadata.uid}/volumes/kubernetes.io~csi/${ns}-db/mount`, node: pod.spec.nodeName } });
    const out = join(s.dir, 'agent-restore');
    await s.ok(['restore', run.snapshot, '--repo', agentRepo, '--target', out, '--include', `/volumes/${ns}/db-data`]);
    const restored = describeTree(join(out, 'volumes', ns, 'db-data'));
    const original = describeTree(mount);
    restored.delete('/'); original.delete('/');
    expect(restored).toEqual(original);

    // Another node's agent leaves it to this one: recorded, not a failure.
    const other = JSON.parse((await s.ok(['backup', '--repo', agentRepo, '--kubeconfig', kc, '--volumes', '--pvc', `${ns}/db-data`, '--volume-mode', 'files', '--host-root', hostRoot, '--node', 'some-other-node', '--json'])).stdout) as Saved & { sources: { record?: { volumes: { skipped?: string }[] } }[] };
    expect(other.result).toBe('completed');
    expect(entry(other)).toMatchObject({ skipped: `mounted on ${pod.spec.nodeName}: backed up by the agent there` });
  }, 300_000);
});
