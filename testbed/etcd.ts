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

export interface PlannedMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly metricsUrl: string;
  readonly dataDir: string;
}

/** Names, ports and data directories for the members of a new cluster. */
export async function planEtcd(dir: string, members: number, tls: boolean): Promise<PlannedMember[]> {
  const scheme = tls ? 'https' : 'http';
  const planned: PlannedMember[] = [];
  for (let i = 0; i < members; i++) {
    const name = `etcd-${i}`;
    planned.push({
      name,
      clientUrl: `${scheme}://127.0.0.1:${await freePort()}`,
      peerUrl: `${scheme}://127.0.0.1:${await freePort()}`,
      metricsUrl: `http://127.0.0.1:${await freePort()}`,
      dataDir: join(dir, name),
    });
  }
  return planned;
}

export function initialCluster(planned: readonly PlannedMember[]): string {
  return planned.map((m) => `${m.name}=${m.peerUrl}`).join(',');
}

export async function startEtcd(name: string, dir: string, pki: Pki, options: EtcdOptions): Promise<TestbedState['etcd']> {
  const planned = await planEtcd(dir, options.members, options.tls);
  for (const m of planned) mkdirSync(m.dataDir, { recursive: true, mode: 0o700 });
  return launchEtcd(name, dir, pki, planned, options.tls);
}

/**
 * Starts the planned members and waits until every one reports healthy. A data directory
 * that already holds a member (one made by `etcdutl snapshot restore`) is used as it is:
 * etcd then ignores the initial-cluster flags.
 */
export async function launchEtcd(name: string, dir: string, pki: Pki, planned: readonly PlannedMember[], tls: boolean): Promise<TestbedState['etcd']> {
  const server = tls ? pki.issue('etcd-server', { cn: 'etcd' }, 'both', ['IP:127.0.0.1', 'DNS:localhost']) : undefined;
  const client = tls ? pki.issue('etcd-client', { cn: 'strata-etcd-client' }, 'client') : undefined;
  const etcd = binary('etcd', 'etcd');
  const members: EtcdMemberState[] = planned.map((m) => {
    const tlsArgs = server
      ? [
          `--cert-file=${server.cert}`, `--key-file=${server.key}`, '--client-cert-auth', `--trusted-ca-file=${pki.ca.cert}`,
          `--peer-cert-file=${server.cert}`, `--peer-key-file=${server.key}`, '--peer-client-cert-auth', `--peer-trusted-ca-file=${pki.ca.cert}`,
        ]
      : [];
    const process = startProcess(m.name, etcd, [
      `--name=${m.name}`, `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${m.clientUrl}`, `--advertise-client-urls=${m.clientUrl}`,
      `--listen-peer-urls=${m.peerUrl}`, `--initial-advertise-peer-urls=${m.peerUrl}`,
      `--listen-metrics-urls=${m.metricsUrl}`,
      `--initial-cluster=${initialCluster(planned)}`, '--initial-cluster-state=new', `--initial-cluster-token=strata-${name}`,
      '--log-level=warn',
      ...tlsArgs,
    ], join(dir, `${m.name}.log`));
    return { ...m, process };
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
