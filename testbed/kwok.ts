/**
 * KWOK plays the kubelets: it manages fake nodes (annotated kwok.x-k8s.io/node=fake), keeps
 * them Ready and moves their pods to Running, so Deployments and StatefulSets behave as on a
 * real cluster without containers.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { binary } from './binaries.ts';
import type { Pki } from './pki.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.ts';

export async function startKwok(dir: string, pki: Pki, server: string, adminKubeconfig: string, nodes: number): Promise<ManagedProcess> {
  const cert = pki.issue('kwok', { cn: 'kwok-controller', o: ['system:masters'] }, 'client');
  const config = join(dir, 'kwok.kubeconfig');
  writeKubeconfig(config, server, pki.ca.cert, cert.cert, cert.key, 'kwok');
  // KWOK plays the kubelet too: the API server reaches its nodes at 127.0.0.1:port over TLS
  // (a serving certificate from the test bed's CA), and `pods/exec` runs the command on this
  // machine (the ClusterExec in kwok-stages.yaml), as a toolbox pod would run it in a cluster.
  const serving = pki.issue('kwok-kubelet', { cn: 'kwok-kubelet' }, 'server', ['IP:127.0.0.1', 'DNS:localhost']);
  const port = await freePort();
  const kwok = startProcess('kwok', binary('kwok', 'kwok'), [
    `--kubeconfig=${config}`,
    `--config=${join(dirname(fileURLToPath(import.meta.url)), 'kwok-stages.yaml')}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    '--cidr=10.0.0.1/16',
    '--node-ip=127.0.0.1',
    `--node-port=${port}`,
    `--server-address=127.0.0.1:${port}`,
    `--tls-cert-file=${serving.cert}`,
    `--tls-private-key-file=${serving.key}`,
  ], join(dir, 'kwok.log'));

  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < nodes; i++) {
    const name = `kwok-node-${i}`;
    await core.createNode({
      body: {
        metadata: {
          name,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
        },
        status: {
          allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
          capacity: { cpu: '32', memory: '256Gi', pods: '110' },
        },
      },
    });
  }
  await waitFor(
    'kwok nodes Ready',
    async () => {
      const list = await core.listNode({ labelSelector: 'type=kwok' });
      return list.items.length === nodes && list.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    },
    60_000,
    kwok,
  );
  // Pods need the default ServiceAccount, which the controller manager creates per namespace.
  await waitFor('default ServiceAccount', async () => {
    const accounts = await core.listNamespacedServiceAccount({ namespace: 'default' });
    return accounts.items.some((a) => a.metadata?.name === 'default');
  }, 60_000);
  return kwok;
}
