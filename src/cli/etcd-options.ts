/**
 * The etcd connection flags shared by doctor, backup and `etcd status`, and how they
 * resolve against the `clusters.NAME.etcd` settings of strata.yaml. Flags win.
 */
import { Option, type Command } from 'commander';
import { findEtcdutl } from '../sources/etcd/etcdutl.ts';
import type { EtcdRestoreRequest } from '../sources/etcd/restore.ts';
import type { EtcdConfig } from '../core/config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { loadConfig, type GlobalOptions } from './global-options.ts';
import type { NamedEntry } from '../engine/sources.ts';
import type { RestoreSelection } from '../engine/restore.ts';
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

/** A whole number ≥ 0 from a flag, refused with the flag's name. */
export function positiveInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} ${value}: expected a whole number ≥ 0`);
    return n;
  };
}

export interface EtcdMemberFlags {
  readonly name?: string;
  readonly initialCluster?: string;
  readonly initialAdvertisePeerUrls?: string;
  readonly dataDir?: string;
  readonly walDir?: string;
  readonly initialClusterToken?: string;
  readonly bumpRevision?: number;
  readonly etcdutl?: string;
}

/** The member a restore builds, for `etcd restore` and `restore --etcd`; `required` makes the four naming flags mandatory. */
export function addEtcdMemberOptions(command: Command, required: boolean): Command {
  const option = (flags: string, help: string) => (required ? command.requiredOption(flags, help) : command.option(flags, help));
  option('--name <name>', "this member's name, as in --initial-cluster");
  option('--initial-cluster <list>', 'every member of the new cluster: NAME=PEER_URL,...');
  option('--initial-advertise-peer-urls <urls>', "this member's peer URL(s)");
  option('--data-dir <dir>', 'data directory to create (an existing one is moved aside)');
  return command
    .option('--wal-dir <dir>', 'separate WAL directory, if etcd uses one')
    .option('--initial-cluster-token <token>', 'token shared by every member of the new cluster (default: derived from the snapshot and --initial-cluster, as restore-plan prints it)')
    .addOption(new Option('--bump-revision <n>', 'raise the revision by this much (default: computed, at least 1,000,000,000)').argParser(positiveInteger('--bump-revision')))
    .option('--etcdutl <path>', 'etcdutl binary (default: $STRATA_ETCDUTL, then $PATH)');
}

/** The etcd source's restore from the member flags; every naming flag is required. */
export function etcdSelection(flags: EtcdMemberFlags): RestoreSelection {
  const missing = (['name', 'initialCluster', 'initialAdvertisePeerUrls', 'dataDir'] as const).filter((key) => flags[key] === undefined);
  if (missing.length > 0) {
    const names = missing.map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UsageError(`restoring etcd builds one member's data directory: give ${names.join(', ')}`, { hint: '`strata etcd restore-plan` prints the values for every member' });
  }
  const options: EtcdRestoreRequest = {
    name: flags.name!,
    initialCluster: flags.initialCluster!,
    initialAdvertisePeerUrls: flags.initialAdvertisePeerUrls!,
    dataDir: flags.dataDir!,
    etcdutl: findEtcdutl(flags.etcdutl),
    ...(flags.walDir !== undefined && { walDir: flags.walDir }),
    ...(flags.initialClusterToken !== undefined && { initialClusterToken: flags.initialClusterToken }),
    ...(flags.bumpRevision !== undefined && { bumpRevision: flags.bumpRevision }),
  };
  return { type: 'etcd', options };
}
