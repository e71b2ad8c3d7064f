/** `strata install systemd`: a service and timer pair for one plan, and its environment file. */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { installSystemd } from '../../engine/install/systemd.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { repeated } from '../option-values.ts';

interface SystemdFlags {
  readonly plan: string;
  readonly unitDir: string;
  readonly environmentFile?: string;
  readonly strata?: string;
  readonly user: string;
  readonly env: string[];
  readonly force: boolean;
}

/**
 * The program this CLI was started as, for ExecStart: in a checkout or an unpacked release,
 * the bin/strata wrapper beside it (it picks the Node.js 24 the project installed); in the
 * container image, which ships dist/ only, this Node.js and the real path of main.js.
 */
function thisProgram(): string[] {
  const main = realpathSync(process.argv[1] ?? '');
  for (let dir = dirname(main), depth = 0; depth < 8 && dir !== dirname(dir); dir = dirname(dir), depth++) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const wrapper = join(dir, 'bin', 'strata');
    return existsSync(wrapper) ? [wrapper] : [process.execPath, '--max-semi-space-size=4', main];
  }
  return [process.execPath, main];
}

export function installCommand(): Command {
  const systemd = new Command('systemd')
    .description("write a systemd service + timer that run a plan on its schedule, and a 0600 environment file")
    .requiredOption('--plan <name>', 'the plan (it needs a schedule:)')
    .option('--unit-dir <dir>', 'where the unit files go', '/etc/systemd/system')
    // Not --env-file: Node takes that flag for itself wherever it appears on the command line.
    .option('--environment-file <path>', 'the environment file (default: /etc/strata/strata-PLAN.env)')
    .option('--strata <path>', 'the strata program ExecStart runs (default: this installation)')
    .option('--user <name>', 'the user the service runs as', 'root')
    .option('--env <KEY=VALUE>', 'a variable for the environment file, e.g. AWS_PROFILE=backup (repeatable)', repeated, [])
    .option('--force', 'replace existing files', false)
    .addHelpText('after', `
OnCalendar= is the plan's cron expression in its time zone (systemd applies the zone, DST
included); RandomizedDelaySec= its jitter; Persistent=true runs a missed schedule at boot.
A cron expression OnCalendar cannot express the same way is refused with the reason.
Exit 3 (partially failed) does not fail the unit. Afterwards:
  systemctl daemon-reload && systemctl enable --now strata-PLAN.timer

Examples:
  strata install systemd --plan nightly --config /etc/strata/strata.yaml
  strata install systemd --plan control-plane --config /etc/strata/strata.yaml --env STRATA_PASSWORD_FILE=/etc/strata/password
${EXIT_STATUS_HELP}`)
    .action((flags: SystemdFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { config, file } = loadConfig(global);
      if (file === undefined) throw new UsageError('no strata.yaml found', { hint: 'pass --config /etc/strata/strata.yaml' });
      const environment: Record<string, string> = {};
      for (const pair of flags.env) {
        const at = pair.indexOf('=');
        if (at <= 0) throw new UsageError(`--env ${pair}: expected KEY=VALUE`);
        environment[pair.slice(0, at)] = pair.slice(at + 1);
      }
      const files = installSystemd(config, {
        plan: flags.plan,
        unitDir: resolve(flags.unitDir),
        envFile: resolve(flags.environmentFile ?? `/etc/strata/strata-${flags.plan}.env`),
        program: flags.strata !== undefined ? [resolve(flags.strata)] : thisProgram(),
        configFile: resolve(file),
        environment,
        user: flags.user,
        force: flags.force,
      });
      if (global.json) printJson({ service: files.service.path, timer: files.timer.path, envFile: files.env.path });
      else {
        for (const f of [files.service, files.timer, files.env]) printLine(`wrote ${f.path}`);
        printLine(`next: systemctl daemon-reload && systemctl enable --now strata-${flags.plan}.timer`);
      }
    });
  return new Command('install').description('install Strata to run plans: systemd timers').addCommand(systemd);
}
