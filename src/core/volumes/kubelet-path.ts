/**
 * Where the kubelet mounts a pod's PersistentVolume on its node, for the agent that reads
 * volume contents as files: /var/lib/kubelet/pods/POD_UID/volumes/PLUGIN/PV_NAME, with the
 * plugin's directory named kubernetes.io~csi (and the file system under `mount`),
 * kubernetes.io~rbd, kubernetes.io~local-volume, or VENDOR~DRIVER for flex volumes.
 */
import type { Volume } from './types.ts';

export const KUBELET_PODS = '/var/lib/kubelet/pods';

/** The mount path, or undefined for a volume source the kubelet does not mount by PV name (hostPath). */
export function kubeletMountPath(podUid: string, pvName: string, spec: Volume['spec']): string | undefined {
  const base = `${KUBELET_PODS}/${podUid}/volumes`;
  if (spec.csi !== undefined) return `${base}/kubernetes.io~csi/${pvName}/mount`;
  if (spec.rbd !== undefined) return `${base}/kubernetes.io~rbd/${pvName}`;
  if (spec.local !== undefined) return `${base}/kubernetes.io~local-volume/${pvName}`;
  if (spec.flexVolume !== undefined) return `${base}/${spec.flexVolume.driver.replace('/', '~')}/${pvName}`;
  return undefined;
}
