/**
 * strata volumes ls on the test bed: a Deployment, a StatefulSet (claims from its template)
 * and a bare pod, on statically bound RBD (CSI attributes), in-tree RBD and hostPath volumes,
 * resolve through the real API to their images and directories; bad selections are refused
 * by name.
 */
import { describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, getJson, kubectl } from './helpers/workloads.ts';

interface Resolved {
  namespace: string;
  claim: string;
  volume?: string;
  workloads: string[];
  pods: string[];
  backend: { kind: string; via?: string; pool?: string; image?: string; path?: string; radosNamespace?: string };
}

function manifests(ns: string): string {
  const pv = (name: string, claim: string, source: string) => `
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-${name} }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: ceph-rbd-${ns}
  persistentVolumeReclaimPolicy: Retain
  claimRef: { namespace: ${ns}, name: ${claim} }
${source}
---`;
  const csi = (image: string, extra = '') => `  csi:
    driver: rook-ceph.rbd.csi.ceph.com
    volumeHandle: 0001-0009-rook-ceph-0000000000000001-${image}
    volumeAttributes: { pool: replicapool, imageName: ${image}, clusterID: rook-ceph${extra} }`;
  return `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: ceph-rbd-${ns} }
provisioner: rook-ceph.rbd.csi.ceph.com
---${pv('web', 'web-data', csi('csi-vol-web'))}${pv('db-0', 'data-db-0', csi('csi-vol-db-0', ', radosNamespace: tenant-a'))}${pv('db-1', 'data-db-1', '  rbd: { pool: kube, image: db-1, monitors: [127.0.0.1:6789] }')}${pv('logs', 'logs', '  hostPath: { path: /srv/logs }')}
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: web-data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: ceph-rbd-${ns}, volumeName: ${ns}-web, resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: logs, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], storageClassName: ceph-rbd-${ns}, volumeName: ${ns}-logs, resources: { requests: { storage: 1Gi } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns}, labels: { app: web } }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: nginx }]
      volumes: [{ name: data, persistentVolumeClaim: { claimName: web-data } }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: ${ns}, labels: { app: db } }
spec:
  replicas: 2
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: postgres }] }
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], storageClassName: ceph-rbd-${ns}, resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Pod
metadata: { name: shipper, namespace: ${ns} }
spec:
  containers: [{ name: shipper, image: busybox }]
  volumes: [{ name: logs, persistentVolumeClaim: { claimName: logs } }]
`;
}

describe('strata volumes ls', () => {
  const cluster = useCluster({ name: 'volumes', nodes: 1 });
  const s = scratch();

  it('resolves workloads through pods and claims to RBD images and directories', async () => {
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    kubectl(kc, ['apply', '-f', '-'], manifests(ns));
    await eventually('the claims to bind', () => {
      const claims = getJson<{ items: { status: { phase: string } }[] }>(kc, ['pvc', '-n', ns]).items;
      return claims.length === 4 && claims.every((c) => c.status.phase === 'Bound');
    });
    await eventually('the pods to run', () => getJson<{ items: { status: { phase: string } }[] }>(kc, ['pods', '-n', ns]).items.filter((p) => p.status.phase === 'Running').length === 4);

    const ls = async (args: string[]) => JSON.parse((await s.ok(['volumes', 'ls', '--kubeconfig', kc, '--json', ...args])).stdout) as Resolved[];
    const db = await ls(['--workload', `${ns}/statefulset/db`]);
    expect(db.map((v) => [v.claim, v.volume, v.backend])).toEqual([
      ['data-db-0', `${ns}-db-0`, { kind: 'rbd', via: 'csi', driver: 'rook-ceph.rbd.csi.ceph.com', pool: 'replicapool', image: 'csi-vol-db-0', radosNamespace: 'tenant-a', clusterId: 'rook-ceph' }],
      ['data-db-1', `${ns}-db-1`, { kind: 'rbd', via: 'in-tree', pool: 'kube', image: 'db-1' }],
    ]);
    expect(db.map((v) => v.pods)).toEqual([['db-0'], ['db-1']]);

    const web = await ls(['-l', 'app=web', '-n', ns]);
    expect(web).toHaveLength(1);
    expect(web[0]).toMatchObject({ claim: 'web-data', workloads: ['Deployment/web'], backend: { kind: 'rbd', image: 'csi-vol-web' } });
    expect(web[0]!.pods).toHaveLength(1);

    const all = await s.ok(['volumes', 'ls', '--kubeconfig', kc, '-n', ns]);
    expect(all.stdout).toMatch(new RegExp(`${ns}\\tlogs\\t${ns}-logs\\t\\S+\\thostPath\\t/srv/logs\\tpod/shipper`));
    expect(all.stdout.trim().split('\n')).toHaveLength(5);

    const missing = await s.run(['volumes', 'ls', '--kubeconfig', kc, '--workload', `${ns}/deployment/nope`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Deployment ${ns}/nope not found`);
    const bad = await s.run(['volumes', 'ls', '--kubeconfig', kc, '--workload', 'web']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--workload web: expected NAMESPACE/KIND/NAME');
  }, 180_000);
});
