/** The command tree. Each command lives in its own file under commands/. */
import { Command } from 'commander';
import { backupCommand } from './commands/backup.ts';
import { checkCommand } from './commands/check.ts';
import { configCommand } from './commands/config.ts';
import { copyCommand } from './commands/copy.ts';
import { diffCommand } from './commands/diff.ts';
import { initCommand } from './commands/init.ts';
import { keyCommand } from './commands/key.ts';
import { lsCommand } from './commands/ls.ts';
import { restoreCommand } from './commands/restore.ts';
import { showCommand, snapshotsCommand } from './commands/snapshots.ts';
import { unlockCommand } from './commands/unlock.ts';
import { doctorCommand } from './commands/doctor.ts';
import { etcdCommand } from './commands/etcd.ts';
import { EXIT_STATUS_HELP } from './exit-codes.ts';
import { addGlobalOptions } from './global-options.ts';
import { VERSION } from './version.ts';

export function buildProgram(): Command {
  const program = new Command('strata')
    .description('Backup and disaster recovery for Kubernetes: etcd, control-plane files, API objects, volumes')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      `
Examples:
  strata init --repo /var/backups/strata --password-file /etc/strata/repo.pass
  strata backup --repo /var/backups/strata --password-file /etc/strata/repo.pass --files /etc/kubernetes
  strata doctor --kubeconfig /etc/kubernetes/admin.conf
  strata config check --config /etc/strata/strata.yaml
  strata config schema > strata.schema.json
${EXIT_STATUS_HELP}`,
    );
  addGlobalOptions(program);
  for (const command of [initCommand(), backupCommand(), snapshotsCommand(), showCommand(), lsCommand(), restoreCommand(), diffCommand(), checkCommand(), copyCommand(), keyCommand(), unlockCommand(), etcdCommand(), doctorCommand(), configCommand()]) {
    program.addCommand(command);
  }
  // Usage errors go through the same handler as every other error, with exit code 2.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}
