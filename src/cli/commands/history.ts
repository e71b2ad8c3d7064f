/** `strata history export|log|diff`: configuration history in git (docs/history.md). */
import { Command } from 'commander';
import type { HistoryConfig } from '../../core/config/history.ts';
import type { PlanConfig } from '../../core/config/schema.ts';
import { OperationError, PartialFailure, UsageError } from '../../core/errors.ts';
import type { HistoryChange, HistoryDiff } from '../../core/history/changes.ts';
import { checkTimeZone } from '../../core/retention/calendar.ts';
import { exportHistory, type HistorySettings } from '../../engine/history/export.ts';
import { openHistory } from '../../engine/history/git.ts';
import { diffTags, historyTags } from '../../engine/history/read.ts';
import type { RemoteSettings } from '../../engine/history/remote.ts';
import { planHistorySettings } from '../../engine/history/settings.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { repeated } from '../option-values.ts';
import { printError, printJson, printLine } from '../output.ts';
import { withRepository } from '../with-repository.ts';

interface WhereFlags {
  readonly plan?: string;
  readonly dir?: string;
}

interface ExportFlags {
  readonly plan?: string;
  readonly to?: string;
  readonly timeZone?: string;
  readonly file: string[];
  readonly sensitiveFile: string[];
  readonly sensitiveKey: string[];
  readonly push: boolean;
  readonly remote?: string;
  readonly remoteBranch: string;
  readonly remoteIdentityFile?: string;
  readonly remoteKnownHostsFile?: string;
  readonly remoteTokenFile?: string;
  readonly remoteUsername: string;
  readonly remoteCaFile?: string;
  readonly remoteTimeout: string;
}

function planWithHistory(global: GlobalOptions, name: string): PlanConfig & { history: HistoryConfig } {
  const { config, file } = loadConfig(global);
  const plan = config.plans[name];
  if (plan === undefined) throw new UsageError(`--plan ${name}: not under plans: in ${file ?? 'strata.yaml'} (have: ${Object.keys(config.plans).join(', ') || 'none'})`);
  if (plan.history === undefined) throw new UsageError(`--plan ${name}: the plan has no history: in ${file ?? 'strata.yaml'}`, { hint: 'add history: { path: … } to the plan, or give --to DIR' });
  return { ...plan, history: plan.history };
}

const FLAG_FIELDS: Readonly<Record<string, string>> = {
  path: '--to', timeZone: '--time-zone', files: '--file', 'remote.url': '--remote', 'remote.identityFile': '--remote-identity-file',
  'remote.knownHostsFile': '--remote-known-hosts-file', 'remote.tokenFile': '--remote-token-file', 'remote.caFile': '--remote-ca-file', remote: '--remote',
};

/** The export's settings: the plan's history: with any flag given on top, or the flags alone. */
function exportSettings(global: GlobalOptions, flags: ExportFlags): HistorySettings {
  const fromPlan = flags.plan === undefined ? undefined : planHistorySettings(flags.plan, planWithHistory(global, flags.plan));
  const path = flags.to ?? fromPlan?.path;
  if (path === undefined) throw new UsageError('history export needs --to DIR (the git working tree) or --plan NAME (a plan with history:)');
  const timeZone = flags.timeZone ?? fromPlan?.timeZone ?? 'UTC';
  try {
    checkTimeZone(timeZone);
  } catch {
    throw new UsageError(`--time-zone ${timeZone}: not a time zone this system knows`, { hint: 'use an IANA name such as Europe/Rome or UTC' });
  }
  const remote: RemoteSettings | undefined = flags.remote !== undefined
    ? {
        url: flags.remote, branch: flags.remoteBranch, username: flags.remoteUsername, timeout: flags.remoteTimeout,
        ...(flags.remoteIdentityFile !== undefined && { identityFile: flags.remoteIdentityFile }),
        ...(flags.remoteKnownHostsFile !== undefined && { knownHostsFile: flags.remoteKnownHostsFile }),
        ...(flags.remoteTokenFile !== undefined && { tokenFile: flags.remoteTokenFile }),
        ...(flags.remoteCaFile !== undefined && { caFile: flags.remoteCaFile }),
      }
    : fromPlan?.remote;
  return {
    path,
    timeZone,
    files: [...(fromPlan?.files ?? []), ...flags.file],
    sensitiveFiles: [...(fromPlan?.sensitiveFiles ?? []), ...flags.sensitiveFile],
    sensitiveConfigMapKeys: [...(fromPlan?.sensitiveConfigMapKeys ?? []), ...flags.sensitiveKey],
    ...(remote !== undefined && flags.push && { remote }),
    field: (key) => (flags.remote !== undefined || fromPlan === undefined ? (FLAG_FIELDS[key] ?? `--${key}`) : fromPlan.field(key)),
  };
}

/** The history a read command looks at: --dir, or the plan's history.path. */
async function historyAt(global: GlobalOptions, flags: WhereFlags) {
  const dir = flags.dir ?? (flags.plan !== undefined ? planWithHistory(global, flags.plan).history.path : undefined);
  if (dir === undefined) throw new UsageError('name the history: --dir DIR (its git working tree) or --plan NAME (a plan with history:)');
  return openHistory(dir);
}

const paint = (tty: boolean, colour: number, text: string): string => (tty ? `\u001b[${colour}m${text}\u001b[0m` : text);

const short = (value: unknown): string => {
  const text = value === undefined ? '(absent)' : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

function printDiff(diff: HistoryDiff, tty: boolean): void {
  const changedObjects = diff.changed.filter((c) => c.kind !== 'modes');
  printLine(`${diff.from} → ${diff.to}: ${diff.added.length} added, ${diff.removed.length} removed, ${new Set(changedObjects.map((c) => c.name)).size} changed${diff.changed.length > changedObjects.length ? `, ${diff.changed.length - changedObjects.length} modes or owners changed` : ''}`);
  const label = (c: HistoryChange) => (c.kind === 'modes' ? `${c.name} (mode/owner)` : c.name);
  for (const c of diff.added) printLine(paint(tty, 32, `+ ${label(c)}`));
  for (const c of diff.removed) printLine(paint(tty, 31, `- ${label(c)}`));
  for (const c of diff.changed) {
    printLine(paint(tty, 33, `~ ${label(c)}`));
    for (const f of c.fields ?? []) printLine(`    ${f.path}: ${short(f.before)} → ${short(f.after)}`);
    for (const line of c.lines?.removed ?? []) printLine(paint(tty, 31, `    - ${line}`));
    for (const line of c.lines?.added ?? []) printLine(paint(tty, 32, `    + ${line}`));
  }
}

const WHERE_HELP = 'Without the backup repository or its password: the git repository alone is read.';

export function historyCommand(): Command {
  const history = new Command('history').description('configuration history in git: sanitised objects and node files, committed and tagged YYMMDD-HHMM per backup');

  history.command('export')
    .description("write a snapshot's API objects (and chosen node files) into a git working tree, commit and tag it")
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .option('--plan <name>', "take the settings from this plan's history: in strata.yaml (and its repository, unless --repo)")
    .option('--to <dir>', 'the git working tree (made on first use, 0700)')
    .option('--time-zone <zone>', "tags are the snapshot's minute in this zone (default: the plan's, or UTC)")
    .option('--file <pattern>', 'node files of the snapshot to commit too, e.g. "/etc/kubernetes/**" (repeatable)', repeated, [])
    .option('--sensitive-file <pattern>', 'node files written as a digest only (repeatable)', repeated, [])
    .option('--sensitive-key <pattern>', 'ConfigMap keys written as a digest, e.g. "*password*" (repeatable)', repeated, [])
    .option('--no-push', "do not push to the plan's remote this time")
    .option('--remote <url>', 'push to this git remote: ssh://… (with --remote-identity-file and --remote-known-hosts-file) or https://…')
    .option('--remote-branch <name>', 'the branch on the remote', 'main')
    .option('--remote-identity-file <path>', 'SSH private key for the push')
    .option('--remote-known-hosts-file <path>', "the SSH server's pinned host key: known_hosts, or one \"ssh-ed25519 AAAA…\" line")
    .option('--remote-token-file <path>', 'HTTPS: a file holding the access token')
    .option('--remote-username <name>', 'HTTPS: the user name sent with the token', 'strata')
    .option('--remote-ca-file <path>', 'HTTPS: CA bundle of a private CA')
    .option('--remote-timeout <duration>', 'time limit of the push', '5m')
    .addHelpText('after', `
Objects are written sanitised (no uid, resourceVersion, timestamps, status, managed fields or
last-applied annotation), one YAML file each at NAMESPACE/KIND.GROUP/NAME.yaml, cluster-scoped
ones under _cluster/. Secret values — and ConfigMap keys and node files marked sensitive,
private keys and password/token settings in node files — are written as
hmac-sha256:… digests keyed from the repository's master key: a changed value is a changed
line, the value never reaches git. An export that changes nothing makes no commit and no tag;
tags are never moved, a second export in one minute gets -2. A failed push keeps the commit
and is retried by the next export; nothing is ever force-pushed.

Examples:
  strata history export latest --repo /var/backups/strata --to /var/lib/strata/history
  strata history export latest --config /etc/strata/strata.yaml --plan nightly
  strata history export 4f2a9c1e --repo main --to /srv/history --file '/etc/kubernetes/manifests/**' \\
      --remote ssh://git@git.example.com/ops/cluster-history.git \\
      --remote-identity-file /etc/strata/history_ed25519 --remote-known-hosts-file /etc/strata/git_known_hosts
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, flags: ExportFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const settings = exportSettings(global, flags);
      const repo = global.repo ?? (flags.plan !== undefined ? loadConfig(global).config.plans[flags.plan]?.repository : undefined);
      await withRepository({ ...global, ...(repo !== undefined && { repo }) }, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        const done = await exportHistory(repository, snapshot, settings, { log: (m) => (global.json ? undefined : printError(m)) });
        for (const warning of done.warnings) printError(`warning: ${warning}`);
        if (global.json) printJson(done);
        else if (done.changed) printLine(`${done.tag}: snapshot ${snapshot.id.slice(0, 8)}, ${done.facts.objects} objects, ${done.facts.files} files; ${done.facts.added} added, ${done.facts.removed} removed, ${done.facts.changed} changed`);
        else printLine(`no changes: ${settings.path} already holds what snapshot ${snapshot.id.slice(0, 8)} holds; no commit`);
        if (done.push?.error !== undefined) throw new PartialFailure(`the push failed; the commit stays in ${settings.path} and the next export pushes it`, { hint: done.push.error });
      });
    });

  history.command('log')
    .description('list the history tags with their snapshots and counts')
    .option('--dir <dir>', 'the history git working tree')
    .option('--plan <name>', "the plan's history.path from strata.yaml")
    .addHelpText('after', `\n${WHERE_HELP}\n\nExamples:\n  strata history log --dir /var/lib/strata/history\n  strata history log --config /etc/strata/strata.yaml --plan nightly --json\n${EXIT_STATUS_HELP}`)
    .action(async (flags: WhereFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const tags = await historyTags(await historyAt(global, flags));
      if (global.json) return printJson(tags);
      printLine(['TAG', 'SNAPSHOT', 'TIME', 'OBJECTS', 'FILES', 'CHANGES'].join('\t'));
      for (const t of tags) {
        const f = t.facts;
        printLine(f === undefined ? `${t.tag}\t-\t-\t-\t-\tnot made by strata` : [t.tag, f.snapshot.slice(0, 8), f.time, String(f.objects), String(f.files), `+${f.added} -${f.removed} ~${f.changed}`].join('\t'));
      }
    });

  history.command('diff')
    .description('what changed between two tags, by object: added, removed, and changed with the changed fields')
    .argument('<from>', 'the older tag (or any commit)')
    .argument('<to>', 'the newer tag')
    .argument('[paths...]', 'only these paths of the tree, after --: a namespace "shop", a kind "shop/deployment.apps", "_files/etc/kubernetes"')
    .option('--dir <dir>', 'the history git working tree')
    .option('--plan <name>', "the plan's history.path from strata.yaml")
    .option('--exit-code', 'exit 1 when anything changed', false)
    .addHelpText('after', `\n${WHERE_HELP} Colour on a terminal; --json for machines.\n\nExamples:\n  strata history diff 261204-0100 261205-0100 --dir /var/lib/strata/history\n  strata history diff 261204-0100 261205-0100 --plan nightly -- shop _files/etc/kubernetes\n${EXIT_STATUS_HELP}`)
    .action(async (from: string, to: string, paths: string[], flags: WhereFlags & { exitCode: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const diff = await diffTags(await historyAt(global, flags), from, to, paths);
      if (global.json) printJson(diff);
      else printDiff(diff, process.stdout.isTTY === true);
      if (flags.exitCode && diff.added.length + diff.removed.length + diff.changed.length > 0) throw new OperationError('the tags differ', { hint: 'see the list above' });
    });

  return history;
}
