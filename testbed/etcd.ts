/** etcd: one member, or several (with TLS for client and peer traffic) for etcd tests. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './binaries.ts';
import { get } from './http.ts';
import type { Pki } from './pki.ts';
import { freePort, startProcess, stopProcess, waitFor } from './processes.ts';
import type { EtcdMemberState, TestbedState } from './state.ts';

export interface EtcdOptions {
  readonly members: number;
  readonly tls: boolean;
}

export async function startEtcd(name: string, dir: string, pki: Pki, options: EtcdOptions): Promise<TestbedState['etcd']> {
  const scheme = options.tls ? 'https' : 'http';
  const server = options.tls ? pki.issue('etcd-server', { cn: 'etcd' }, 'both', ['IP:127.0.0.1', 'DNS:localhost']) : undefined;
  const client = options.tls ? pki.issue('etcd-client', { cn: 'strata-etcd-client' }, 'client') : undefined;
  const planned = [];
  for (let i = 0; i < options.members; i++) {
    planned.push({ name: `etcd-${i}`, client: await freePort(), peer: await freePort(), metrics: await freePort() });
  }
  const initialCluster = planned.map((m) => `${m.name}=${scheme}://127.0.0.1:${m.peer}`).join(',');
  const etcd = binary('etcd', 'etcd');
  const members: EtcdMemberState[] = planned.map((m) => {
    const dataDir = join(dir, m.name);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const clientUrl = `${scheme}://127.0.0.1:${m.client}`;
    const peerUrl = `${scheme}://127.0.0.1:${m.peer}`;
    const metricsUrl = `http://127.0.0.1:${m.metrics}`;
    const tlsArgs = server
      ? [
          `--cert-file=${server.cert}`, `--key-file=${server.key}`, '--client-cert-auth', `--trusted-ca-file=${pki.ca.cert}`,
          `--peer-cert-file=${server.cert}`, `--peer-key-file=${server.key}`, '--peer-client-cert-auth', `--peer-trusted-ca-file=${pki.ca.cert}`,
        ]
      : [];
    const process = startProcess(m.name, etcd, [
      `--name=${m.name}`, `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--listen-metrics-urls=${metricsUrl}`,
      `--initial-cluster=${initialCluster}`, '--initial-cluster-state=new', `--initial-cluster-token=strata-${name}`,
      '--log-level=warn',
      ...tlsArgs,
    ], join(dir, `${m.name}.log`));
    return { name: m.name, clientUrl, peerUrl, metricsUrl, dataDir, process };
  });
  // Every member of a new cluster must be up before any reports healthy.
  try {
    await Promise.all(
      members.map((m) =>
        waitFor(`etcd member ${m.name}`, async () => (await get(`${m.metricsUrl}/health`)).body.includes('"health":"true"'), 60_000, m.process),
      ),
    );
  } catch (error) {
    // The caller only learns of members once all are up: stop the ones that did start.
    await Promise.all(members.map((m) => stopProcess(m.process)));
    throw error;
  }
  const endpoints = members.map((m) => m.clientUrl);
  return client ? { endpoints, members, tls: { ca: pki.ca.cert, cert: client.cert, key: client.key } } : { endpoints, members };
}
