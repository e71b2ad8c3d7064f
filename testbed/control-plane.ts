/** kube-apiserver, kube-controller-manager and kube-scheduler on 127.0.0.1. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './binaries.ts';
import { get } from './http.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import type { Pki } from './pki.ts';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.ts';
import type { TestbedState } from './state.ts';

export interface ControlPlane {
  readonly server: string;
  readonly kubeconfig: string;
  readonly processes: ManagedProcess[];
}

export async function startControlPlane(dir: string, pki: Pki, etcd: TestbedState['etcd']): Promise<ControlPlane> {
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const serving = pki.issue('apiserver', { cn: 'kube-apiserver' }, 'server', [
    'IP:127.0.0.1', 'IP:10.96.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
  ]);
  const proxyClient = pki.issue('front-proxy-client', { cn: 'front-proxy-client' }, 'client');
  const etcdClient = etcd.tls ? pki.issue('apiserver-etcd-client', { cn: 'kube-apiserver-etcd-client' }, 'client') : undefined;
  const admin = pki.issue('admin', { cn: 'strata-admin', o: ['system:masters'] }, 'client');
  const kubeletClient = pki.issue('apiserver-kubelet-client', { cn: 'kube-apiserver-kubelet-client', o: ['system:masters'] }, 'client');

  const apiserver = startProcess('kube-apiserver', binary('kubernetes', 'kube-apiserver'), [
    `--etcd-servers=${etcd.endpoints.join(',')}`,
    ...(etcdClient ? [`--etcd-cafile=${pki.ca.cert}`, `--etcd-certfile=${etcdClient.cert}`, `--etcd-keyfile=${etcdClient.key}`] : []),
    '--bind-address=127.0.0.1', `--secure-port=${port}`, '--advertise-address=127.0.0.1',
    `--tls-cert-file=${serving.cert}`, `--tls-private-key-file=${serving.key}`, `--client-ca-file=${pki.ca.cert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccount.pub}`, `--service-account-signing-key-file=${pki.serviceAccount.key}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--authorization-mode=Node,RBAC', '--allow-privileged=true',
    // Aggregated APIs (metrics-server and the like) are proxied with this client identity.
    `--requestheader-client-ca-file=${pki.ca.cert}`, '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${proxyClient.cert}`, `--proxy-client-key-file=${proxyClient.key}`,
    '--enable-aggregator-routing=true',
    // exec, logs and port-forward go to the nodes' kubelet (KWOK's server), verified by our CA.
    `--kubelet-client-certificate=${kubeletClient.cert}`, `--kubelet-client-key=${kubeletClient.key}`,
    `--kubelet-certificate-authority=${pki.ca.cert}`, '--kubelet-preferred-address-types=InternalIP',
    // A loopback address may not be written into the "kubernetes" Endpoints; nothing here needs them.
    '--endpoint-reconciler-type=none',
    '--profiling=false', '--v=1',
  ], join(dir, 'kube-apiserver.log'));

  const kubeconfig = join(dir, 'admin.kubeconfig');
  writeKubeconfig(kubeconfig, server, pki.ca.cert, admin.cert, admin.key);
  const adminTls = { ca: pki.ca.cert, cert: admin.cert, key: admin.key };
  await waitFor('kube-apiserver', async () => (await get(`${server}/readyz`, adminTls)).status === 200, 120_000, apiserver);

  const component = async (name: 'kube-controller-manager' | 'kube-scheduler', cn: string, extra: readonly string[]): Promise<ManagedProcess> => {
    const cert = pki.issue(name, { cn }, 'client');
    const config = join(dir, `${name}.kubeconfig`);
    writeKubeconfig(config, server, pki.ca.cert, cert.cert, cert.key, name);
    const certDir = join(dir, `${name}-certs`);
    mkdirSync(certDir, { recursive: true, mode: 0o700 });
    const healthPort = await freePort();
    const p = startProcess(name, binary('kubernetes', name), [
      `--kubeconfig=${config}`, `--authentication-kubeconfig=${config}`, `--authorization-kubeconfig=${config}`,
      '--bind-address=127.0.0.1', `--secure-port=${healthPort}`, `--cert-dir=${certDir}`,
      '--leader-elect=false', '--v=1', ...extra,
    ], join(dir, `${name}.log`));
    await waitFor(name, async () => (await get(`https://127.0.0.1:${healthPort}/healthz`)).status === 200, 120_000, p);
    return p;
  };
  const [controllerManager, scheduler] = await Promise.all([
    component('kube-controller-manager', 'system:kube-controller-manager', [
      `--service-account-private-key-file=${pki.serviceAccount.key}`, `--root-ca-file=${pki.ca.cert}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`, `--cluster-signing-key-file=${pki.ca.key}`,
      '--use-service-account-credentials=true', '--cluster-name=strata-testbed', '--controllers=*',
      // Claims of a class whose provisioner is kubernetes.io/host-path get a directory under /tmp/hostpath_pv on this machine.
      '--enable-hostpath-provisioner',
    ]),
    component('kube-scheduler', 'system:kube-scheduler', []),
  ]);
  return { server, kubeconfig, processes: [apiserver, controllerManager, scheduler] };
}
