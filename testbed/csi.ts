/**
 * CSI snapshots on the test bed: the upstream snapshot CRDs and snapshot-controller, the
 * upstream csi-provisioner and csi-snapshotter sidecars, and the test bed's own hostpath
 * driver (testbed/csi-driver.ts; why not the upstream one is said there), all as local
 * processes against the test bed's API server. A StorageClass and a VolumeSnapshotClass
 * named `testbed-csi` use the driver.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binary, goModule, versions } from './binaries.ts';
import { startProcess, waitFor, type ManagedProcess } from './processes.ts';

export interface CsiState {
  readonly driver: string;
  readonly storageClass: string;
  readonly snapshotClass: string;
  /** Where the driver keeps volumes (volumes/ID) and snapshots. */
  readonly stateDir: string;
  readonly processes: readonly ManagedProcess[];
}

const here = dirname(fileURLToPath(import.meta.url));
export const TESTBED_CSI_DRIVER = 'hostpath.csi.testbed.strata.dev';

export async function startCsi(dir: string, kubeconfig: string): Promise<CsiState> {
  const v = versions();
  const root = join(dir, 'csi');
  const stateDir = join(root, 'driver');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const kubectl = (args: readonly string[], input?: string) => execFileSync(binary('kubernetes', 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined && { input }) });

  const crds = join(goModule('github.com/kubernetes-csi/external-snapshotter/client/v8', v['EXTERNAL_SNAPSHOTTER_VERSION']!), 'config', 'crd');
  for (const file of readdirSync(crds).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) kubectl(['apply', '--server-side', '-f', join(crds, file)]);
  kubectl(['wait', '--for', 'condition=Established', '--timeout', '60s', 'crd/volumesnapshots.snapshot.storage.k8s.io', 'crd/volumesnapshotcontents.snapshot.storage.k8s.io', 'crd/volumesnapshotclasses.snapshot.storage.k8s.io']);

  const proto = join(goModule('github.com/container-storage-interface/spec', v['CSI_SPEC_VERSION']!), 'csi.proto');
  const socket = join(root, 'csi.sock');
  const processes: ManagedProcess[] = [];
  const driver = startProcess('csi-driver', process.execPath, [join(here, 'csi-driver.ts'), proto, socket, stateDir, TESTBED_CSI_DRIVER], join(root, 'driver.log'));
  processes.push(driver);
  await waitFor('the CSI driver socket', async () => existsSync(socket), 30_000, driver);
  const common = [`--kubeconfig=${kubeconfig}`, '--leader-election=false', '--v=3'];
  processes.push(startProcess('snapshot-controller', binary('csi-snapshotter', 'snapshot-controller'), common, join(root, 'snapshot-controller.log')));
  processes.push(startProcess('csi-snapshotter', binary('csi-snapshotter', 'csi-snapshotter'), [...common, `--csi-address=${socket}`, '--timeout=30s'], join(root, 'csi-snapshotter.log')));
  processes.push(startProcess('csi-provisioner', binary('csi-provisioner', 'csi-provisioner'), [...common, `--csi-address=${socket}`, '--timeout=30s'], join(root, 'csi-provisioner.log')));

  kubectl(['apply', '-f', '-'], `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: testbed-csi }
provisioner: ${TESTBED_CSI_DRIVER}
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: { name: testbed-csi }
driver: ${TESTBED_CSI_DRIVER}
deletionPolicy: Delete
`);
  return { driver: TESTBED_CSI_DRIVER, storageClass: 'testbed-csi', snapshotClass: 'testbed-csi', stateDir, processes };
}
