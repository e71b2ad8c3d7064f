/** `strata doctor`: preflight checks, one line each; exit 1 if any fails. */
import { Command } from 'commander';
import { OperationError } from '../../core/errors.ts';
import { runDoctor, type DoctorInputs } from '../../engine/doctor/doctor.ts';
import { connect } from '../../kube/connection.ts';
import { openBackend } from '../../storage/open.ts';
import { addEtcdOptions, chosenCluster, etcdFrom, type EtcdFlags } from '../etcd-options.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printJson, printLine, statusMark } from '../output.ts';

export function doctorCommand(): Command {
  return addEtcdOptions(new Command('doctor').description('check that the cluster, its etcd and the repository are ready for backups and restores'))
    .addHelpText(
      'after',
      `
Checks:
  cluster        the API server answers; its version and API group count
  rbac-backup    this identity may list and get every resource type (Secrets included)
  rbac-restore   this identity may create, patch and update every type, and bind RBAC
  etcd           every member answers, a leader exists, quorum holds, no alarms
  repository     an object can be written, read back and removed
  files          every file strata.yaml names (passwords, passphrases, keys, env files) is
                 there, readable, 0600 when secret, and parses

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
    .action(async (options: EtcdFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { config, file } = loadConfig(global);
      const cluster = chosenCluster(global, options.cluster);

      const inputs: { -readonly [K in keyof DoctorInputs]: DoctorInputs[K] } = {};
      const kubeconfig = global.kubeconfig ?? cluster?.kubeconfig;
      try {
        inputs.connection = await connect({ kubeconfig, context: global.context ?? cluster?.context });
      } catch (error) {
        // An explicitly named kubeconfig that cannot be used is a usage error; no kubeconfig at all is a skip.
        if (kubeconfig !== undefined || global.context !== undefined) throw error;
        inputs.connectionSkipped = (error as Error).message;
      }
      const etcd = etcdFrom(options, cluster?.etcd);
      if (etcd !== undefined) inputs.etcd = etcd;
      const repo = global.repo === undefined ? undefined : (config.repositories[global.repo]?.url ?? global.repo);
      if (repo !== undefined) inputs.repository = openBackend(repo);

      if (file !== undefined) inputs.config = config;
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
