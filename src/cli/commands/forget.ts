/** `strata forget` (a retention policy, restic-style) and `strata hold` / `strata release`. */
import { hostname } from 'node:os';
import { userName } from '../../repository/user.ts';
import { Command, Option } from 'commander';
import { Duration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { checkTimeZone } from '../../core/retention/calendar.ts';
import type { RetentionPolicy } from '../../core/retention/policy.ts';
import { forget, GROUP_KEYS, type GroupKey } from '../../engine/forget.ts';
import { placeHold, releaseHold } from '../../repository/holds.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { keepPolicy } from '../../core/config/keep.ts';
import { printError, printJson, printLine } from '../output.ts';
import { deleteForgottenVolumeSnapshots, recordedVolumeSnapshots } from '../../sources/volumes/forgotten-snapshots.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { withRepository } from '../with-repository.ts';
import { repeated } from '../option-values.ts';
import { addPruneOptions, printPruneReport, runPrune, type PruneFlags } from './prune.ts';

const KINDS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

interface ForgetFlags extends PruneFlags {
  readonly prune: boolean;
  readonly plan?: string;
  readonly keepLast?: string;
  readonly keepHourly?: string;
  readonly keepDaily?: string;
  readonly keepWeekly?: string;
  readonly keepMonthly?: string;
  readonly keepYearly?: string;
  readonly keepWithin?: string;
  readonly timeZone: string;
  readonly groupBy: string;
  readonly host: string[];
  readonly tag: string[];
  readonly dryRun: boolean;
  readonly deleteVolumeSnapshots: boolean;
}


function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'unlimited' || value === '-1') return -1;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} ${value}: expected a count (0, 1, 2 …) or "unlimited"`);
  return Number(value);
}

export function policyFromFlags(flags: ForgetFlags): RetentionPolicy {
  const given = { last: flags.keepLast, hourly: flags.keepHourly, daily: flags.keepDaily, weekly: flags.keepWeekly, monthly: flags.keepMonthly, yearly: flags.keepYearly };
  const policy: Record<string, number> = {};
  for (const kind of KINDS) {
    const value = count(`--keep-${kind}`, given[kind]);
    if (value !== undefined) policy[kind] = value;
  }
  if (flags.keepWithin !== undefined) {
    const within = Duration.parse(flags.keepWithin);
    if (within === undefined) throw new UsageError(`--keep-within ${flags.keepWithin}: expected a duration such as 36h, 7d or 4w`);
    policy['withinMs'] = within.milliseconds;
  }
  try {
    checkTimeZone(flags.timeZone);
  } catch {
    throw new UsageError(`--time-zone ${flags.timeZone}: not a time zone this system knows`, { hint: 'use an IANA name such as Europe/Rome or UTC' });
  }
  return { ...policy, timeZone: flags.timeZone };
}

function groupKeys(value: string): GroupKey[] {
  if (value === '') return [];
  const keys = value.split(',').map((k) => k.trim());
  for (const key of keys) if (!(GROUP_KEYS as readonly string[]).includes(key)) throw new UsageError(`--group-by ${value}: ${key} is not one of ${GROUP_KEYS.join(', ')}`);
  return keys as GroupKey[];
}

async function withKube<T>(global: GlobalOptions, use: (http: KubeHttp) => Promise<T>): Promise<T> {
  const http = new KubeHttp(await connect(global));
  try {
    return await use(http);
  } finally {
    http.close();
  }
}

export function forgetCommand(): Command {
  return addPruneOptions(new Command('forget'))
    .description('remove snapshots a retention policy does not keep (restic forget semantics); data goes at the next prune')
    .option('--delete-volume-snapshots', 'also delete the CSI VolumeSnapshots the forgotten snapshots recorded, in the --kubeconfig cluster', false)
    .option('--plan <name>', "apply this strata.yaml plan's retention: to its snapshots (in its repository unless --repo)")
    .option('--keep-last <n>', 'keep the n newest snapshots')
    .option('--keep-hourly <n>', 'keep the newest snapshot of each of the n newest hours that have one')
    .option('--keep-daily <n>', 'the same, per day')
    .option('--keep-weekly <n>', 'the same, per ISO week (Monday to Sunday)')
    .option('--keep-monthly <n>', 'the same, per month')
    .option('--keep-yearly <n>', 'the same, per year')
    .option('--keep-within <duration>', 'keep every snapshot within this span of the newest one (36h, 7d, 4w)')
    .addOption(new Option('--time-zone <zone>', 'the zone hours, days, weeks, months and years are cut in').default(Intl.DateTimeFormat().resolvedOptions().timeZone))
    .option('--group-by <keys>', `apply the policy per group of snapshots with the same ${GROUP_KEYS.join(', ')} ("" for one group)`, 'host,sources,cluster')
    .option('--host <name>', 'only snapshots of this host (repeatable)', repeated, [])
    .option('--tag <tag>', 'only snapshots with this tag (repeatable: all of them)', repeated, [])
    .option('--dry-run', 'show what would be kept and forgotten, and remove nothing', false)
    .option('--prune', 'then prune: free the data of the forgotten snapshots (see `strata prune --help`)', false)
    .addHelpText('after', `
Counts are per group: for each rule, the newest snapshot of each of the n newest buckets
is kept, and while a rule has count left, the oldest snapshot too — exactly as restic
forget (a differential test holds Strata to restic 0.18). "unlimited" (or -1) keeps every
bucket. --keep-within counts back from the newest snapshot, not from now, so a stopped
schedule never ages everything out. Snapshots under \`strata hold\` are always kept. Every
snapshot is listed with keep or forget and the reasons ("daily #3 (2026-11-21)").

Examples:
  strata forget --repo /var/backups/strata --keep-daily 7 --keep-weekly 4 --keep-monthly 3 --dry-run
  strata forget --repo s3://backups/cp --keep-within 36h --keep-daily 7 --time-zone Europe/Rome --json
  strata forget --repo /var/backups/strata --keep-daily 7 --keep-weekly 4 --prune
  strata forget --plan nightly --config /etc/strata/strata.yaml --prune
  strata forget --repo /var/backups/strata --keep-daily 7 --delete-volume-snapshots --kubeconfig ~/.kube/config
${EXIT_STATUS_HELP}`)
    .action(async (flags: ForgetFlags, command: Command) => {
      let global = command.optsWithGlobals<GlobalOptions>();
      let policy: RetentionPolicy;
      let groupBy = groupKeys(flags.groupBy);
      if (flags.plan !== undefined) {
        const plan = loadConfig(global).config.plans[flags.plan];
        if (plan === undefined) throw new UsageError(`--plan ${flags.plan}: not under plans: in strata.yaml`, { hint: 'check the name, or --config' });
        if (plan.retention === undefined) throw new UsageError(`--plan ${flags.plan}: plans.${flags.plan} has no retention: block`, { hint: 'add one, or give --keep-* flags instead of --plan' });
        const given = KINDS.filter((k) => flags[`keep${k[0]!.toUpperCase()}${k.slice(1)}` as keyof ForgetFlags] !== undefined);
        if (given.length > 0 || flags.keepWithin !== undefined) throw new UsageError('--plan takes its policy from strata.yaml: give either --plan or --keep-* flags');
        policy = keepPolicy(plan.retention);
        if (command.getOptionValueSource('groupBy') === 'default') groupBy = [...plan.retention.groupBy];
        global = { ...global, repo: global.repo ?? plan.repository };
      } else policy = policyFromFlags(flags);
      await withRepository(global, async (repository) => {
        const outcome = await forget(repository, { policy, groupBy, dryRun: flags.dryRun, hosts: flags.host, tags: flags.tag, ...(flags.plan !== undefined && { plan: flags.plan }) });
        const pruned = flags.prune && !flags.dryRun ? await runPrune(repository, flags, false, global) : undefined;
        const volumeSnapshots = flags.deleteVolumeSnapshots && recordedVolumeSnapshots(outcome.removedSnapshots).length > 0 ? await withKube(global, (http) => deleteForgottenVolumeSnapshots(http, outcome.removedSnapshots)) : undefined;
        const left = flags.deleteVolumeSnapshots ? [] : recordedVolumeSnapshots(outcome.removedSnapshots).map((v) => v.name);
        if (global.json) return printJson({ dryRun: flags.dryRun, policy, groups: outcome.groups, removed: outcome.removed, ...(pruned && { prune: pruned }), ...(volumeSnapshots && { volumeSnapshots }) });
        for (const name of left) printError(`note: VolumeSnapshot ${name} of a forgotten snapshot is still in the cluster (--delete-volume-snapshots deletes it)`);
        for (const error of volumeSnapshots?.errors ?? []) printError(`warning: ${error}`);
        if (volumeSnapshots !== undefined && volumeSnapshots.deleted.length > 0) printLine(`deleted VolumeSnapshots: ${volumeSnapshots.deleted.join(', ')}`);
        for (const group of outcome.groups) {
          const label = Object.entries(group.group).map(([k, v]) => `${k} ${v || '-'}`).join(', ');
          const kept = group.decisions.filter((d) => d.keep).length;
          printLine(`${label || 'all snapshots'}: keep ${kept}, forget ${group.decisions.length - kept}`);
          for (const d of group.decisions) {
            printLine(`  ${d.keep ? 'keep  ' : 'forget'}  ${d.id.slice(0, 8)}  ${new Date(d.time).toISOString().replace('T', ' ').slice(0, 19)}Z  ${d.reasons.join(', ')}`);
          }
        }
        if (flags.dryRun) printLine(`dry run: nothing was removed${flags.prune ? ' and nothing pruned' : ''}`);
        else if (pruned === undefined) printLine(`${outcome.removed.length} snapshot(s) forgotten; run \`strata prune\` to free their data`);
        else {
          printLine(`${outcome.removed.length} snapshot(s) forgotten`);
          printPruneReport(pruned);
        }
      });
    });
}

export function holdCommand(): Command {
  return new Command('hold')
    .description('keep a snapshot whatever the retention policy says, until released')
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .option('--reason <text>', 'why (shown by `strata forget`)', 'held')
    .addHelpText('after', `
Examples:
  strata hold 4f2a9c1e --repo /var/backups/strata --reason "before the 1.36 upgrade"
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, options: { reason: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        await placeHold(repository, { snapshot: snapshot.id, time: new Date().toISOString(), reason: options.reason, host: hostname(), username: userName() });
        if (global.json) printJson({ snapshot: snapshot.id, held: true, reason: options.reason });
        else printLine(`snapshot ${snapshot.id.slice(0, 8)} is held: ${options.reason}`);
      });
    });
}

export function releaseCommand(): Command {
  return new Command('release')
    .description('release the hold on a snapshot (retention applies to it again)')
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .addHelpText('after', `
Examples:
  strata release 4f2a9c1e --repo /var/backups/strata
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        const released = await releaseHold(repository, snapshot.id);
        if (!released) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} is not held`, { hint: 'nothing to release' });
        if (global.json) printJson({ snapshot: snapshot.id, held: false });
        else printLine(`snapshot ${snapshot.id.slice(0, 8)} released`);
      });
    });
}
