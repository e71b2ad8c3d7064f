/**
 * How one resolved volume is backed up, by the source's mode and where this run is:
 *
 * - `rbd`: a Ceph RBD image, read from Ceph (mode auto or rbd);
 * - `csi`: a CSI VolumeSnapshot (mode csi for any CSI volume; auto for CSI volumes not RBD);
 * - `files`: a directory read as files — a hostPath/local directory (auto or files), or, in
 *   mode files on an agent's node, the kubelet's mount of the volume for a pod on that node;
 * - `elsewhere`: another node's agent reads it (not a failure);
 * - `skip`: it cannot be read this way, with the reason (the snapshot is partially failed).
 */
import { kubeletMountPath } from './kubelet-path.ts';
import type { ResolvedVolume } from './types.ts';

export type VolumeMode = 'auto' | 'rbd' | 'csi' | 'files';

export type Method =
  | { readonly kind: 'rbd' }
  | { readonly kind: 'csi'; readonly driver: string }
  | { readonly kind: 'files'; readonly path: string; readonly node?: string }
  | { readonly kind: 'elsewhere'; readonly reason: string }
  | { readonly kind: 'skip'; readonly reason: string };

export function volumeMethod(volume: ResolvedVolume, mode: VolumeMode, node?: string): Method {
  const backend = volume.backend;
  if (backend.kind === 'unsupported') return { kind: 'skip', reason: backend.reason };
  if (backend.kind === 'directory') {
    if (mode !== 'auto' && mode !== 'files') return { kind: 'skip', reason: `mode ${mode}: a ${backend.via} directory is read as files (mode auto or files)` };
    if (backend.node !== undefined && node !== undefined && backend.node !== node) return { kind: 'elsewhere', reason: `on node ${backend.node}: backed up by the agent there` };
    return { kind: 'files', path: backend.path, ...(backend.node !== undefined && { node: backend.node }) };
  }
  if (mode === 'files') return mountedHere(volume, node);
  const driver = backend.kind === 'csi' ? backend.driver : backend.via === 'csi' ? backend.driver : undefined;
  if (mode === 'csi') return driver === undefined ? { kind: 'skip', reason: `mode csi: only CSI volumes can be snapshotted (this one is ${backend.kind === 'rbd' ? `an ${backend.via} RBD volume` : backend.kind})` } : { kind: 'csi', driver };
  if (backend.kind === 'rbd') return { kind: 'rbd' };
  if (mode === 'rbd') return { kind: 'skip', reason: `mode rbd: a ${backend.driver} volume is not a Ceph RBD image` };
  return { kind: 'csi', driver: backend.driver };
}

/** Mode files for a mounted volume: the kubelet's mount for a pod on this node. */
function mountedHere(volume: ResolvedVolume, node: string | undefined): Method {
  if (node === undefined) return { kind: 'skip', reason: 'mode files reads a mounted volume on the node of a pod that uses it: run it there with --node (and --host-root)' };
  if (volume.volume === undefined || volume.spec === undefined) return { kind: 'skip', reason: 'the claim has no bound volume' };
  const here = volume.mounts.find((m) => m.node === node && m.uid !== undefined);
  if (here === undefined) {
    const nodes = [...new Set(volume.mounts.flatMap((m) => (m.node === undefined ? [] : [m.node])))];
    return nodes.length > 0 ? { kind: 'elsewhere', reason: `mounted on ${nodes.join(', ')}: backed up by the agent there` } : { kind: 'skip', reason: 'no pod on any node mounts it, so no agent can read it' };
  }
  const path = kubeletMountPath(here.uid!, volume.volume, volume.spec);
  return path === undefined ? { kind: 'skip', reason: 'the kubelet does not mount this volume source by name' } : { kind: 'files', path, node };
}
