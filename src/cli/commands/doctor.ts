/** `strata doctor`: preflight checks, one line each; exit 1 if any fails. */
import { Command } from 'commander';
import type { EtcdConfig } from '../../core/config/schema.ts';
import { OperationError, UsageError } from '../../core/errors.ts';
import { runDoctor, type DoctorInputs } from '../../engine/doctor/doctor.ts';
import { connect } from '../../kube/connection.ts';
import { openBackend } from '../../storage/open.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printJson, printLine, statusMark } from '../output.ts';

interface DoctorOptions {
  readonly cluster?: string;
  readonly etcdEndpoints?: string;
  readonly etcdCacert?: string;
  readonly etcdCert?: string;
  readonly etcdKey?: string;
  readonly etcdUser?: string;
  readonly etcdPasswordFile?: string;
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check that the cluster, its etcd and the repository are ready for backups and restores')
    .option('--cluster <name>', 'cluster entry of strata.yaml to check (default: the only one)')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs (overrides strata.yaml)')
    .option('--etcd-cacert <path>', 'CA bundle for etcd TLS')
    .option('--etcd-cert <path>', 'client certificate for etcd TLS')
    .option('--etcd-key <path>', 'client key for etcd TLS')
    .option('--etcd-user <name>', 'etcd user, when etcd authentication is on')
    .option('--etcd-password-file <path>', "file holding the etcd user's password")
    .addHelpText(
      'after',
      `
Checks:
  cluster        the API server answers; its version and API group count
  rbac-backup    this identity may list and get every resource type (Secrets included)
  rbac-restore   this identity may create, patch and update every type, and bind RBAC
  etcd           every member answers, a leader exists, quorum holds, no alarms
  repository     an object can be written, read back and removed

A check whose target is not configured is skipped, not failed.

Examples:
  strata doctor --kubeconfig /etc/kubernetes/admin.conf
  strata doctor --etcd-endpoints https://10.0.0.1:2379,https://10.0.0.2:2379 \\
      --etcd-cacert /etc/kubernetes/pki/etcd/ca.crt \\
      --etcd-cert /etc/kubernetes/pki/etcd/healthcheck-client.crt \\
      --etcd-key /etc/kubernetes/pki/etcd/healthcheck-client.key
  strata doctor --repo /var/backups/strata --json
${EXIT_STATUS_HELP}`,
    )
    .action(async (options: DoctorOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { config } = loadConfig(global);

      const clusterNames = Object.keys(config.clusters);
      if (options.cluster !== undefined && !(options.cluster in config.clusters)) {
        throw new UsageError(`--cluster ${options.cluster}: not under clusters: in strata.yaml (have: ${clusterNames.join(', ') || 'none'})`);
      }
      const clusterName = options.cluster ?? (clusterNames.length === 1 ? clusterNames[0] : undefined);
      const cluster = clusterName === undefined ? undefined : config.clusters[clusterName];

      const inputs: { -readonly [K in keyof DoctorInputs]: DoctorInputs[K] } = {};
      const kubeconfig = global.kubeconfig ?? cluster?.kubeconfig;
      try {
        inputs.connection = connect({ kubeconfig, context: global.context ?? cluster?.context });
      } catch (error) {
        // An explicitly named kubeconfig that cannot be used is a usage error; no kubeconfig at all is a skip.
        if (kubeconfig !== undefined || global.context !== undefined) throw error;
        inputs.connectionSkipped = (error as Error).message;
      }
      const etcd = etcdFrom(options, cluster?.etcd);
      if (etcd !== undefined) inputs.etcd = etcd;
      const repo = global.repo === undefined ? undefined : (config.repositories[global.repo]?.url ?? global.repo);
      if (repo !== undefined) inputs.repository = openBackend(repo);

      const results = await runDoctor(inputs);
      if (global.json) {
        printJson({ ok: results.every((r) => r.status !== 'fail'), checks: results });
      } else {
        const tty = process.stdout.isTTY === true;
        const width = Math.max(...results.map((r) => r.title.length));
        for (const r of results) printLine(`${statusMark(r.status, tty)}  ${r.title.padEnd(width)}  ${r.detail}`);
      }
      const failed = results.filter((r) => r.status === 'fail');
      if (failed.length > 0) {
        throw new OperationError(`${failed.length} check${failed.length > 1 ? 's' : ''} failed: ${failed.map((r) => r.id).join(', ')}`, { hint: '' });
      }
    });
}

function etcdFrom(options: DoctorOptions, configured: EtcdConfig | undefined): EtcdConfig | undefined {
  if (options.etcdEndpoints === undefined) return configured;
  const endpoints = options.etcdEndpoints.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (endpoints.length === 0) throw new UsageError('--etcd-endpoints: expected comma-separated URLs such as https://10.0.0.1:2379');
  const tls = {
    ...(options.etcdCacert !== undefined && { caFile: options.etcdCacert }),
    ...(options.etcdCert !== undefined && { certFile: options.etcdCert }),
    ...(options.etcdKey !== undefined && { keyFile: options.etcdKey }),
  };
  if ((options.etcdUser === undefined) !== (options.etcdPasswordFile === undefined)) {
    throw new UsageError('--etcd-user and --etcd-password-file go together');
  }
  return {
    endpoints,
    tls,
    dialTimeout: configured?.dialTimeout ?? '5s',
    ...(options.etcdUser !== undefined && options.etcdPasswordFile !== undefined && { auth: { username: options.etcdUser, passwordFile: options.etcdPasswordFile } }),
  };
}
