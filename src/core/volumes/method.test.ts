import { describe, expect, it } from 'vitest';
import { volumeMethod } from './method.ts';
import type { ResolvedVolume } from './types.ts';

const volume = (backend: ResolvedVolume['backend'], extra: Partial<ResolvedVolume> = {}): ResolvedVolume => ({ namespace: 'shop', claim: 'data', volume: 'pv-1', workloads: [], pods: [], mounts: [], backend, ...extra });
const rbdCsi = volume({ kind: 'rbd', via: 'csi', driver: 'rbd.csi.ceph.com', pool: 'p', image: 'i' }, { spec: { csi: { driver: 'rbd.csi.ceph.com', volumeHandle: 'h' } }, mounts: [{ pod: 'db-0', uid: 'u-1', node: 'n1' }] });
const flex = volume({ kind: 'rbd', via: 'flex', driver: 'ceph.rook.io/rook', pool: 'p', image: 'i' });
const ebs = volume({ kind: 'csi', driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' });
const local = volume({ kind: 'directory', via: 'local', path: '/mnt/disk1', node: 'n2' });

describe('volumeMethod', () => {
  it('auto: RBD from Ceph, directories as files, other CSI by VolumeSnapshot', () => {
    expect(volumeMethod(rbdCsi, 'auto')).toEqual({ kind: 'rbd' });
    expect(volumeMethod(ebs, 'auto')).toEqual({ kind: 'csi', driver: 'ebs.csi.aws.com' });
    expect(volumeMethod(local, 'auto')).toEqual({ kind: 'files', path: '/mnt/disk1', node: 'n2' });
    expect(volumeMethod(volume({ kind: 'unsupported', reason: 'the claim is not bound (Pending)' }), 'auto')).toEqual({ kind: 'skip', reason: 'the claim is not bound (Pending)' });
  });

  it('csi snapshots every CSI volume, RBD through ceph-csi too, and refuses the rest with the reason', () => {
    expect(volumeMethod(rbdCsi, 'csi')).toEqual({ kind: 'csi', driver: 'rbd.csi.ceph.com' });
    expect(volumeMethod(flex, 'csi')).toMatchObject({ kind: 'skip', reason: expect.stringContaining('an flex RBD volume') });
    expect(volumeMethod(local, 'csi')).toMatchObject({ kind: 'skip' });
    expect(volumeMethod(ebs, 'rbd')).toMatchObject({ kind: 'skip', reason: 'mode rbd: a ebs.csi.aws.com volume is not a Ceph RBD image' });
  });

  it('files on an agent: the kubelet mount of a pod on this node; other nodes are not failures', () => {
    expect(volumeMethod(rbdCsi, 'files', 'n1')).toEqual({ kind: 'files', path: '/var/lib/kubelet/pods/u-1/volumes/kubernetes.io~csi/pv-1/mount', node: 'n1' });
    expect(volumeMethod(rbdCsi, 'files', 'n9')).toEqual({ kind: 'elsewhere', reason: 'mounted on n1: backed up by the agent there' });
    expect(volumeMethod(rbdCsi, 'files')).toMatchObject({ kind: 'skip', reason: expect.stringContaining('--node') });
    expect(volumeMethod({ ...rbdCsi, mounts: [] }, 'files', 'n1')).toMatchObject({ kind: 'skip', reason: 'no pod on any node mounts it, so no agent can read it' });
    expect(volumeMethod(local, 'files', 'n1')).toEqual({ kind: 'elsewhere', reason: 'on node n2: backed up by the agent there' });
    expect(volumeMethod(local, 'files', 'n2')).toEqual({ kind: 'files', path: '/mnt/disk1', node: 'n2' });
  });
});
