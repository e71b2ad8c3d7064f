/** The command tree. Each command lives in its own file under commands/. */
import { Command } from 'commander';
import { configCommand } from './commands/config.ts';
import { doctorCommand } from './commands/doctor.ts';
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
  strata doctor --kubeconfig /etc/kubernetes/admin.conf
  strata config check --config /etc/strata/strata.yaml
  strata config schema > strata.schema.json
${EXIT_STATUS_HELP}`,
    );
  addGlobalOptions(program);
  program.addCommand(doctorCommand());
  program.addCommand(configCommand());
  // Usage errors go through the same handler as every other error, with exit code 2.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}
