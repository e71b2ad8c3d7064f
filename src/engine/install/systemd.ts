/**
 * `strata install systemd`: a oneshot service that runs one plan, a timer that starts it on
 * the plan's schedule (OnCalendar from its cron expression, RandomizedDelaySec from its
 * jitter, Persistent so a run missed while the machine was off happens at boot), and an
 * environment file readable by root only. Seed 003's systemd mode.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../core/config/schema.ts';
import { Duration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { dstConflicts } from '../../core/schedule/dst.ts';
import { onCalendar } from '../../core/schedule/systemd.ts';

export interface SystemdInstall {
  readonly plan: string;
  /** Where the unit files go (/etc/systemd/system). */
  readonly unitDir: string;
  readonly envFile: string;
  /** The strata program as ExecStart starts it (a wrapper, or node and main.js), absolute paths. */
  readonly program: readonly string[];
  /** Absolute path of strata.yaml. */
  readonly configFile: string;
  /** KEY=VALUE lines for the environment file (credentials the backends read from the environment). */
  readonly environment: Readonly<Record<string, string>>;
  readonly user: string;
  readonly force: boolean;
  /** From when DST nights are checked (two years ahead); default now. */
  readonly now?: Date;
}

export interface SystemdFiles {
  readonly service: { readonly path: string; readonly text: string };
  readonly timer: { readonly path: string; readonly text: string };
  readonly env: { readonly path: string; readonly text: string };
}

/** systemd quoting for one ExecStart argument. */
const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`);

export function systemdFiles(config: Config, options: SystemdInstall): SystemdFiles {
  const plan = config.plans[options.plan];
  if (plan === undefined) throw new UsageError(`--plan ${options.plan}: not under plans: in ${options.configFile}`);
  if (plan.schedule === undefined) throw new UsageError(`--plan ${options.plan}: plans.${options.plan} has no schedule:`, { hint: 'add schedule: { cron: "0 1 * * *", timeZone: Europe/Rome }' });
  for (const key of Object.keys(options.environment)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`--env ${key}: not a valid variable name`);
  const [conflict] = dstConflicts(plan.schedule.cron, plan.schedule.timeZone, options.now ?? new Date());
  if (conflict !== undefined) {
    throw new UsageError(`plans.${options.plan}: schedule "${plan.schedule.cron}" in ${plan.schedule.timeZone} would run differently under systemd than under strata serve on ${conflict.date}: ${conflict.detail}`, {
      hint: 'move it out of the hour DST skips or repeats, give the plan timeZone: UTC, or run it under strata serve',
    });
  }
  const unit = `strata-${options.plan}`;
  const jitter = plan.schedule.jitter === undefined ? undefined : Duration.parse(plan.schedule.jitter);
  const service = `# Written by strata install systemd; runs plan ${options.plan} of ${options.configFile}.
[Unit]
Description=Strata backup plan ${options.plan}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User=${options.user}
EnvironmentFile=${options.envFile}
ExecStart=${[...options.program, 'run', options.plan, '--config', options.configFile].map(quote).join(' ')}
# A backup is background work: it yields CPU and disk to the control plane.
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
NoNewPrivileges=true
PrivateTmp=true
# Exit 3 (partially failed) is a result to look at, not a unit failure to restart.
SuccessExitStatus=3
`;
  const timer = `# Written by strata install systemd; schedule "${plan.schedule.cron}" in ${plan.schedule.timeZone}.
[Unit]
Description=Strata backup plan ${options.plan} on schedule

[Timer]
OnCalendar=${onCalendar(plan.schedule.cron, plan.schedule.timeZone)}
${jitter === undefined ? '' : `RandomizedDelaySec=${Math.round(jitter.milliseconds / 1000)}s\n`}AccuracySec=1s
Persistent=true
Unit=${unit}.service

[Install]
WantedBy=timers.target
`;
  const env = `# Environment for ${unit}.service, readable by root only. Prefer secrets by file
# (passwordFile: in strata.yaml, STRATA_PASSWORD_FILE) over values here.
${Object.entries(options.environment).map(([k, v]) => `${k}=${v}`).join('\n')}
`;
  return {
    service: { path: join(options.unitDir, `${unit}.service`), text: service },
    timer: { path: join(options.unitDir, `${unit}.timer`), text: timer },
    env: { path: options.envFile, text: env },
  };
}

/** Writes the three files; refuses to overwrite any of them without `force`. */
export function installSystemd(config: Config, options: SystemdInstall): SystemdFiles {
  const files = systemdFiles(config, options);
  const all = [files.service, files.timer, files.env];
  const present = all.filter((f) => existsSync(f.path));
  if (present.length > 0 && !options.force) {
    throw new UsageError(`${present.map((f) => f.path).join(', ')} already exist${present.length === 1 ? 's' : ''}`, { hint: 'pass --force to replace them (the environment file may hold credentials you edited)' });
  }
  for (const file of all) mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(files.service.path, files.service.text, { mode: 0o644 });
  writeFileSync(files.timer.path, files.timer.text, { mode: 0o644 });
  writeFileSync(files.env.path, files.env.text, { mode: 0o600 });
  // An existing file keeps its mode through writeFileSync: make sure the secrets' one is tight.
  chmodSync(files.env.path, 0o600);
  return files;
}
