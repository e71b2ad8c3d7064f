/**
 * The command tree. Each command lives in its own file under commands/ and is loaded only
 * when it runs (or for the help that lists them all): a command then carries only its own
 * libraries (the Kubernetes client, S3, gRPC and SSH clients weigh tens of MB each).
 */
import { Command } from 'commander';
import { EXIT_STATUS_HELP } from './exit-codes.ts';
import { addGlobalOptions } from './global-options.ts';
import { VERSION } from './version.ts';

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  init: async () => (await import('./commands/init.ts')).initCommand(),
  backup: async () => (await import('./commands/backup.ts')).backupCommand(),
  snapshots: async () => (await import('./commands/snapshots.ts')).snapshotsCommand(),
  show: async () => (await import('./commands/snapshots.ts')).showCommand(),
  ls: async () => (await import('./commands/ls.ts')).lsCommand(),
  restore: async () => (await import('./commands/restore.ts')).restoreCommand(),
  diff: async () => (await import('./commands/diff.ts')).diffCommand(),
  history: async () => (await import('./commands/history.ts')).historyCommand(),
  forget: async () => (await import('./commands/forget.ts')).forgetCommand(),
  hold: async () => (await import('./commands/forget.ts')).holdCommand(),
  release: async () => (await import('./commands/forget.ts')).releaseCommand(),
  run: async () => (await import('./commands/run.ts')).runCommand(),
  status: async () => (await import('./commands/status.ts')).statusCommand(),
  drill: async () => (await import('./commands/drill.ts')).drillCommand(),
  drills: async () => (await import('./commands/drill.ts')).drillsCommand(),
  serve: async () => (await import('./commands/serve.ts')).serveCommand(),
  install: async () => (await import('./commands/install.ts')).installCommand(),
  volumes: async () => (await import('./commands/volumes.ts')).volumesCommand(),
  prune: async () => (await import('./commands/prune.ts')).pruneCommand(),
  check: async () => (await import('./commands/check.ts')).checkCommand(),
  copy: async () => (await import('./commands/copy.ts')).copyCommand(),
  key: async () => (await import('./commands/key.ts')).keyCommand(),
  unlock: async () => (await import('./commands/unlock.ts')).unlockCommand(),
  repair: async () => (await import('./commands/repair.ts')).repairCommand(),
  etcd: async () => (await import('./commands/etcd.ts')).etcdCommand(),
  swarm: async () => (await import('./commands/swarm.ts')).swarmCommand(),
  doctor: async () => (await import('./commands/doctor.ts')).doctorCommand(),
  config: async () => (await import('./commands/config.ts')).configCommand(),
};

/**
 * The program with the commands `argv` names (any word that is a command name: a flag's
 * value that happens to be one only loads one more), or all of them when it names none.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
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
  const named = Object.keys(COMMANDS).filter((name) => argv.includes(name));
  for (const name of named.length > 0 ? named : Object.keys(COMMANDS)) {
    program.addCommand(await COMMANDS[name]!());
  }
  // Usage errors go through the same handler as every other error, with exit code 2.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}
