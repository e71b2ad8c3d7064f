import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backendOf, resolveVolumes, type Inventory } from './resolve.ts';
import { selectorMatches } from './selector.ts';
import type { Claim, Volume } from './types.ts';

const claim = (namespace: string, name: string, volumeName?: string): Claim => ({ metadata: { name, namespace }, spec: { ...(volumeName && { volumeName }), storageClassName: 'ceph-rbd' }, status: { phase: volumeName ? 'Bound' : 'Pending' } });
const pv = (name: string, spec: Volume['spec']): Volume => ({ metadata: { name }, spec });
const rbdCsi = (image: string, driver = 'rbd.csi.ceph.com', extra: Record<string, string> = {}): Volume['spec'] => ({ csi: { driver, volumeHandle: `0001-0009-rook-ceph-0000000000000002-${image}`, volumeAttributes: { pool: 'replicapool', imageName: image, clusterID: 'rook-ceph', ...extra } } });

const inventory: Inventory = {
  workloads: [
    { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'd1' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { spec: { volumes: [{ name: 'uploads', persistentVolumeClaim: { claimName: 'uploads' } }] } } } },
    { kind: 'ReplicaSet', metadata: { name: 'web-7d9', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'web' }] }, spec: { selector: { matchLabels: { app: 'web', hash: '7d9' } } } },
    { kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: { replicas: 2, selector: { matchLabels: { app: 'db' } }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] } },
    { kind: 'CronJob', metadata: { name: 'report', namespace: 'ops' }, spec: { jobTemplate: { spec: { template: { spec: { volumes: [{ name: 'out', persistentVolumeClaim: { claimName: 'reports' } }] } } } } } },
    { kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ops' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: {} } } },
  ],
  pods: [
    { metadata: { name: 'web-7d9-abcde', uid: 'uid-web', namespace: 'shop', labels: { app: 'web', hash: '7d9' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d9' }] }, spec: { nodeName: 'node-1', volumes: [{ name: 'uploads', persistentVolumeClaim: { claimName: 'uploads' } }] }, status: { phase: 'Running' } },
    { metadata: { name: 'db-0', namespace: 'shop', labels: { app: 'db' }, ownerReferences: [{ kind: 'StatefulSet', name: 'db' }] }, spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }] } },
    { metadata: { name: 'debug', namespace: 'ops' }, spec: { volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: {} } }, { name: 'cache', persistentVolumeClaim: { claimName: 'cache' } }] } },
  ],
  claims: [
    claim('shop', 'uploads', 'pv-uploads'),
    claim('shop', 'data-db-0', 'pv-db-0'),
    claim('shop', 'data-db-1', 'pv-db-1'),
    claim('ops', 'reports', 'pv-reports'),
    claim('ops', 'debug-scratch', 'pv-scratch'),
    claim('ops', 'cache'),
    claim('ops', 'unused', 'pv-nfs'),
  ],
  volumes: [
    pv('pv-uploads', rbdCsi('csi-vol-uploads')),
    pv('pv-db-0', rbdCsi('csi-vol-db-0', 'rook-ceph.rbd.csi.ceph.com', { radosNamespace: 'tenant-a' })),
    pv('pv-db-1', { rbd: { pool: 'kube', image: 'db-1' } }),
    pv('pv-reports', { hostPath: { path: '/srv/reports' } }),
    pv('pv-scratch', { csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: 'abc-123' } }),
    pv('pv-nfs', { nfs: { server: 'nas', path: '/x' } } as unknown as Volume['spec']),
  ],
};

describe('backendOf', () => {
  it('recognises RBD by CSI driver and attributes, Rook flex and in-tree rbd; directories; other CSI', () => {
    expect(backendOf(pv('a', rbdCsi('img')))).toEqual({ kind: 'rbd', via: 'csi', driver: 'rbd.csi.ceph.com', pool: 'replicapool', image: 'img', clusterId: 'rook-ceph' });
    expect(backendOf(pv('b', rbdCsi('img', 'openshift-storage.rbd.csi.ceph.com', { radosNamespace: 'ns1' })))).toMatchObject({ kind: 'rbd', radosNamespace: 'ns1' });
    expect(backendOf(pv('c', { flexVolume: { driver: 'ceph.rook.io/rook-ceph', options: { pool: 'p', image: 'i' } } }))).toMatchObject({ kind: 'rbd', via: 'flex', pool: 'p', image: 'i' });
    expect(backendOf(pv('d', { rbd: { image: 'i' } }))).toEqual({ kind: 'rbd', via: 'in-tree', pool: 'rbd', image: 'i' });
    expect(backendOf(pv('e', { local: { path: '/mnt/disk1' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', values: ['node-3'] }] }] } } }))).toEqual({ kind: 'directory', via: 'local', path: '/mnt/disk1', node: 'node-3' });
    expect(backendOf(pv('f', { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' } }))).toEqual({ kind: 'csi', driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' });
  });

  it('never parses an RBD volumeHandle: without pool and imageName the volume is unsupported, with the reason', () => {
    const backend = backendOf(pv('g', { csi: { driver: 'rbd.csi.ceph.com', volumeHandle: '0001-0009-rook-ceph-0000000000000002-csi-vol-x' } }));
    expect(backend).toMatchObject({ kind: 'unsupported' });
    expect((backend as { reason: string }).reason).toContain('volumeHandle is not parsed');
    expect(backendOf(pv('h', { csi: { driver: 'rbd.csi.ceph.com.evil.example', volumeHandle: 'x' } }))).toMatchObject({ kind: 'csi' });
  });
});

describe('resolveVolumes', () => {
  it('resolves a Deployment through its template and its pods (ReplicaSet owner), with the volume behind the claim', () => {
    const { volumes, problems } = resolveVolumes(inventory, { workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'web' }] });
    expect(problems).toEqual([]);
    expect(volumes).toEqual([{ namespace: 'shop', claim: 'uploads', volume: 'pv-uploads', storageClass: 'ceph-rbd', workloads: ['Deployment/web'], pods: ['web-7d9-abcde'], mounts: [{ pod: 'web-7d9-abcde', uid: 'uid-web', node: 'node-1' }], backend: expect.objectContaining({ kind: 'rbd', image: 'csi-vol-uploads' }), spec: inventory.volumes.find((v) => v.metadata.name === 'pv-uploads')!.spec }]);
  });

  it('resolves every replica of a StatefulSet from its claim templates, whether or not a pod runs', () => {
    const { volumes } = resolveVolumes(inventory, { workloads: [{ namespace: 'shop', kind: 'StatefulSet', name: 'db' }] });
    expect(volumes.map((v) => [v.claim, v.backend.kind, v.pods])).toEqual([['data-db-0', 'rbd', ['db-0']], ['data-db-1', 'rbd', []]]);
    expect(volumes[0]!.backend).toMatchObject({ radosNamespace: 'tenant-a', driver: 'rook-ceph.rbd.csi.ceph.com' });
    expect(volumes[1]!.backend).toMatchObject({ via: 'in-tree', pool: 'kube', image: 'db-1' });
  });

  it('resolves CronJobs through their job template, bare pods with ephemeral volumes, and says why a claim cannot be backed up', () => {
    const { volumes } = resolveVolumes(inventory, { namespaces: ['ops'] });
    const by = Object.fromEntries(volumes.map((v) => [v.claim, v]));
    expect(by['reports']).toMatchObject({ workloads: ['CronJob/report'], backend: { kind: 'directory', path: '/srv/reports' } });
    expect(by['debug-scratch']).toMatchObject({ pods: ['debug'], backend: { kind: 'csi', driver: 'hostpath.csi.k8s.io' } });
    expect(by['cache']!.backend).toEqual({ kind: 'unsupported', reason: 'the claim is not bound (Pending)' });
    expect((by['unused']!.backend as { reason: string }).reason).toContain('nfs');
  });

  it('reports what was asked for and does not exist', () => {
    const { problems } = resolveVolumes(inventory, {
      workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'nope' }, { namespace: 'ops', kind: 'DaemonSet', name: 'agent' }],
      claims: [{ namespace: 'shop', name: 'missing' }],
    });
    expect(problems).toEqual(['Deployment shop/nope not found', 'DaemonSet ops/agent uses no PersistentVolumeClaim', 'PersistentVolumeClaim shop/missing not found']);
  });

  it('does not depend on the order the API listed things in', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), (seeds) => {
        const shuffle = <T,>(list: readonly T[], seed: number) => [...list].sort((a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7));
        const shuffled: Inventory = { workloads: shuffle(inventory.workloads, seeds[0]!), pods: shuffle(inventory.pods, seeds[1]!), claims: shuffle(inventory.claims, seeds[2]!), volumes: shuffle(inventory.volumes, seeds[3]!) };
        expect(resolveVolumes(shuffled)).toEqual(resolveVolumes(inventory));
      }),
    );
  });
});

describe('selectorMatches', () => {
  it('applies matchLabels and every matchExpressions operator', () => {
    const labels = { app: 'db', tier: 'data' };
    expect(selectorMatches({ matchLabels: { app: 'db' } }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['data', 'x'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['data'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches(undefined, labels)).toBe(false);
  });
});
