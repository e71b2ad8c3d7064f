import { describe, expect, it } from 'vitest';
import { kubeletMountPath } from './kubelet-path.ts';

describe('kubeletMountPath', () => {
  it('follows the kubelet layout per volume plugin', () => {
    const uid = '0b6c2f3e-1111-2222-3333-444455556666';
    expect(kubeletMountPath(uid, 'pvc-1', { csi: { driver: 'rbd.csi.ceph.com', volumeHandle: 'x' } })).toBe(`/var/lib/kubelet/pods/${uid}/volumes/kubernetes.io~csi/pvc-1/mount`);
    expect(kubeletMountPath(uid, 'pv-2', { rbd: { image: 'i' } })).toBe(`/var/lib/kubelet/pods/${uid}/volumes/kubernetes.io~rbd/pv-2`);
    expect(kubeletMountPath(uid, 'pv-3', { local: { path: '/mnt/disk' } })).toBe(`/var/lib/kubelet/pods/${uid}/volumes/kubernetes.io~local-volume/pv-3`);
    expect(kubeletMountPath(uid, 'pv-4', { flexVolume: { driver: 'ceph.rook.io/rook-ceph' } })).toBe(`/var/lib/kubelet/pods/${uid}/volumes/ceph.rook.io~rook-ceph/pv-4`);
    expect(kubeletMountPath(uid, 'pv-5', { hostPath: { path: '/srv' } })).toBeUndefined();
  });
});
