/**
 * A drill of a plan whose claim is an RBD image on the test bed's Ceph: the image comes back
 * as a scratch image beside it, read back from Ceph and matched by SHA-256 with the backup;
 * with --keep it stays for a look, and the plan's next drill removes it, touching no other
 * image (not the original, not one merely named like a scratch image).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, getJson, hostPathProvisionedClass, kubectl } from './helpers/workloads.ts';

const MiB = 1024 * 1024;

interface Report { id: string; result: string; layers: { layer: string; result: string; steps: { name: string; result: string; detail: string }[] }[]; failures: string[]; cleanUp: { kept: boolean; removed: string[]; problems: string[] } }

describe('strata drill with an RBD-backed claim', () => {
  const cluster = useCluster({ name: 'drill-ceph', nodes: 1, ceph: true });
  const s = scratch();

  it('restores the image into a scratch image verified by SHA-256, kept with --keep and removed by the next drill', async () => {
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    const { conf, pool } = cluster().bed.ceph!;
    const rbd = (args: readonly string[]) => execFileSync('rbd', ['-c', conf, ...args], { maxBuffer: 256 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
    const sha = (spec: string) => createHash('sha256').update(rbd(['export', '--no-progress', spec, '-'])).digest('hex');
    const images = () => (JSON.parse(rbd(['ls', '--format', 'json', pool]).toString()) as string[]).filter((i) => i.startsWith(image)).sort();
    const image = `db-${ns}`;
    const file = join(cluster().bed.dir, `${image}.img`);
    writeFileSync(file, Buffer.concat([randomBytes(4 * MiB), Buffer.alloc(8 * MiB), randomBytes(4 * MiB)]));
    rbd(['import', '--no-progress', file, `${pool}/${image}`]);
    // Named like a scratch image, but no drill's: never removed.
    const lookalike = `${image}-strata-drill-nightly-keep`;
    rbd(['create', '--size', '1M', `${pool}/${lookalike}`]);
    kubectl(kc, ['apply', '-f', '-'], `${hostPathProvisionedClass('drill-scratch')}
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-db }
spec:
  capacity: { storage: 16Mi }
  accessModes: [ReadWriteOnce]
  storageClassName: rbd-${ns}
  claimRef: { namespace: ${ns}, name: db-data }
  csi: { driver: rook-ceph.rbd.csi.ceph.com, volumeHandle: opaque-${ns}, fsType: ext4, volumeAttributes: { pool: ${pool}, imageName: ${image}, clusterID: rook-ceph } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: db-data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: rbd-${ns}, volumeName: ${ns}-db, resources: { requests: { storage: 16Mi } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: db, namespace: ${ns} }
spec:
  replicas: 1
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: postgres }], volumes: [{ name: data, persistentVolumeClaim: { claimName: db-data } }] }
`);
    await eventually('the claim to bind', () => getJson<{ status: { phase: string } }>(kc, ['pvc', 'db-data', '-n', ns]).status.phase === 'Bound');
    const repo = join(s.dir, 'repo');
    const work = join(s.dir, 'work');
    mkdirSync(work);
    const config = join(s.dir, 'strata.yaml');
    writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${kc} }
plans:
  nightly:
    cluster: bed
    repository: main
    rto: 30m
    sources:
      - { type: objects, includeNamespaces: [${ns}] }
      - { type: volumes, namespaces: [${ns}], ceph: { confFile: ${conf} } }
    drill:
      workDir: ${work}
      timeout: 90s
      storageClassMapping: { rbd-${ns}: drill-scratch }
`);
    await s.ok(['init', '--repo', repo]);
    await s.ok(['run', 'nightly', '--config', config]);
    const original = sha(`${pool}/${image}`);
    const drill = async (args: readonly string[]) => {
      const result = await s.run(['drill', 'nightly', '--config', config, '--json', ...args]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Report;
    };

    const kept = await drill(['--keep']);
    expect(kept.layers.map((l) => [l.layer, l.result])).toEqual([['objects', 'passed'], ['volumes', 'passed']]);
    const volumes = kept.layers.find((l) => l.layer === 'volumes')!;
    const copy = `${image}-strata-drill-nightly-${kept.id}`;
    expect(volumes.steps.map((st) => [st.name, st.result])).toEqual([['remove scratch images earlier drills left', 'passed'], [`${ns}/db-data`, 'passed']]);
    expect(volumes.steps[0]!.detail).toBe(`none in ${pool}`);
    expect(volumes.steps[1]!.detail).toMatch(new RegExp(`^${pool}/${image}@strata-\\S+ → ${pool}/${copy}, 16\\.0 MiB, sha256 ${original.slice(0, 16)}… read back from Ceph matches the backup$`));
    expect(kept.cleanUp.kept).toBe(true);
    expect(kept.cleanUp.removed).toContain(`image ${pool}/${copy}`);
    expect(images()).toEqual([image, lookalike, copy].sort());
    expect(sha(`${pool}/${copy}`)).toBe(original);

    const next = await drill([]);
    expect(next.result).toBe('passed');
    const step = next.layers.find((l) => l.layer === 'volumes')!.steps[0]!;
    expect(step.detail).toBe(`removed ${pool}/${copy}`);
    expect(next.cleanUp.removed).toContain(`image ${pool}/${image}-strata-drill-nightly-${next.id}`);
    expect(next.cleanUp.removed).toContain(`namespace ${ns}-restore (left by an earlier drill)`);
    expect(next.cleanUp.problems).toEqual([]);
    expect(images()).toEqual([image, lookalike].sort());
    expect(sha(`${pool}/${image}`)).toBe(original);
  }, 600_000);
});
