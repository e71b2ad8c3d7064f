/**
 * The etcd connection flags shared by doctor, backup and `etcd status`, and how they
 * resolve against the `clusters.NAME.etcd` settings of strata.yaml. Flags win.
 */
import type { Command } from 'commander';
import type { EtcdConfig } from '../core/config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { loadConfig, type GlobalOptions } from './global-options.ts';
import type { NamedEntry } from '../engine/sources.ts';
import type { EtcdEntry } from '../sources/etcd/entry.ts';
import { fromFlags } from './source-field.ts';

export interface EtcdFlags {
  readonly cluster?: string;
  readonly etcdEndpoints?: string;
  readonly etcdCacert?: string;
  readonly etcdCert?: string;
  readonly etcdKey?: string;
  readonly etcdUser?: string;
  readonly etcdPasswordFile?: string;
}

export function addEtcdOptions(command: Command): Command {
  return command
    .option('--cluster <name>', 'cluster entry of strata.yaml (default: the only one)')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs (overrides strata.yaml)')
    .option('--etcd-cacert <path>', 'CA bundle for etcd TLS (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)')
    .option('--etcd-cert <path>', 'client certificate for etcd TLS')
    .option('--etcd-key <path>', 'client key for etcd TLS')
    .option('--etcd-user <name>', 'etcd user, when etcd authentication is on')
    .option('--etcd-password-file <path>', "file holding the etcd user's password");
}

/** The cluster entry of strata.yaml that --cluster names, or the only one. */
export function chosenCluster(global: GlobalOptions, name: string | undefined) {
  const { config } = loadConfig(global);
  const names = Object.keys(config.clusters);
  if (name !== undefined && !(name in config.clusters)) {
    throw new UsageError(`--cluster ${name}: not under clusters: in strata.yaml (have: ${names.join(', ') || 'none'})`);
  }
  const chosen = name ?? (names.length === 1 ? names[0] : undefined);
  return chosen === undefined ? undefined : config.clusters[chosen];
}

/** The etcd to talk to: from the flags when --etcd-endpoints is given, else from strata.yaml. */
export function etcdFrom(options: EtcdFlags, configured: EtcdConfig | undefined): EtcdConfig | undefined {
  if ((options.etcdUser === undefined) !== (options.etcdPasswordFile === undefined)) {
    throw new UsageError('--etcd-user and --etcd-password-file go together');
  }
  if (options.etcdEndpoints === undefined) return configured;
  const endpoints = options.etcdEndpoints.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (endpoints.length === 0) throw new UsageError('--etcd-endpoints: expected comma-separated URLs such as https://10.0.0.1:2379');
  const tls = {
    ...(options.etcdCacert !== undefined && { caFile: options.etcdCacert }),
    ...(options.etcdCert !== undefined && { certFile: options.etcdCert }),
    ...(options.etcdKey !== undefined && { keyFile: options.etcdKey }),
  };
  return {
    endpoints,
    tls,
    dialTimeout: configured?.dialTimeout ?? '5s',
    ...(options.etcdUser !== undefined && options.etcdPasswordFile !== undefined && { auth: { username: options.etcdUser, passwordFile: options.etcdPasswordFile } }),
  };
}

/** Like etcdFrom, but an etcd is required. */
export function requireEtcd(global: GlobalOptions, options: EtcdFlags): EtcdConfig {
  const etcd = etcdFrom(options, chosenCluster(global, options.cluster)?.etcd);
  if (etcd === undefined) {
    throw new UsageError('no etcd to talk to', { hint: 'give --etcd-endpoints (and --etcd-cacert/--etcd-cert/--etcd-key for TLS), or set clusters.NAME.etcd in strata.yaml' });
  }
  return etcd;
}

/** `backup --etcd [--force]` as the etcd source's entry (the cluster's etcd comes from requireEtcd). */
export function etcdEntryOf(flags: { readonly etcd: boolean; readonly force: boolean }): NamedEntry | undefined {
  if (!flags.etcd) {
    if (flags.force) throw new UsageError('--force applies to the etcd snapshot: give it with --etcd');
    return undefined;
  }
  const entry: EtcdEntry = { type: 'etcd', force: flags.force };
  return fromFlags(entry, '--etcd');
}
