/**
 * `backup --command NAME=PROGRAM ARGS…` (repeatable) as the command source's entries, and
 * `restore --command NAME [--command-output FILE]` as its restore. From flags an argument
 * list is split at spaces, never given to a shell; quoting, verify and restore commands and
 * one-value secret files are for strata.yaml.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import type { RestoreSelection } from '../engine/restore.ts';
import type { NamedEntry } from '../engine/sources.ts';
import { commandEntry, ITEM_NAME, type CommandEntry } from '../sources/command/entry.ts';
import type { CommandRestoreOptions } from '../sources/command/restore.ts';
import { fromFlags } from './source-field.ts';

export interface CommandBackupFlags {
  readonly command: readonly string[];
  readonly commandTimeout: string;
  readonly commandEnvFile: readonly string[];
}

const repeated = (value: string, previous: string[]) => [...previous, value];

export function addCommandBackupOptions(command: Command): Command {
  return command
    .option('--command <name=program args>', 'keep what a program writes to its standard output as item NAME, e.g. "etc=tar -C /etc -cf - ." (split at spaces, no shell; repeatable)', repeated, [])
    .option('--command-timeout <duration>', 'with --command: how long each program may run', '30m')
    .option('--command-env-file <file>', 'with --command: KEY=VALUE lines put in the programs\' environment (secrets: mode 0600; repeatable)', repeated, []);
}

/** The entries of the --command flags, merged by the registry like a plan's. */
export function commandEntriesOf(flags: CommandBackupFlags): NamedEntry[] {
  return flags.command.map((spec) => {
    const at = spec.indexOf('=');
    const name = at < 0 ? '' : spec.slice(0, at);
    const argv = (at < 0 ? '' : spec.slice(at + 1)).split(/\s+/).filter((w) => w !== '');
    if (!ITEM_NAME.test(name) || argv.length === 0) throw new UsageError(`--command ${spec}: expected NAME=PROGRAM ARGS…, e.g. "etc=tar -C /etc -cf - ."`, { hint: 'NAME: letters, digits, ".", "_" and "-"' });
    const checked = commandEntry.safeParse({ type: 'command', name, command: argv, timeout: flags.commandTimeout, ...(flags.commandEnvFile.length > 0 && { envFiles: flags.commandEnvFile }) });
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new UsageError(`--command ${name}: ${String(issue.path[0] ?? '')} ${issue.message}`, { hint: 'see strata backup --help' });
    }
    return fromFlags(checked.data satisfies CommandEntry, `--command ${name}`, { timeout: '--command-timeout', envFiles: '--command-env-file' });
  });
}

/** `restore --command NAME`: the item through its restore command, or into --command-output. */
export function commandSelection(flags: { readonly command?: string; readonly commandOutput?: string }): RestoreSelection {
  const options: CommandRestoreOptions = { ...(flags.command !== undefined && { name: flags.command }), ...(flags.commandOutput !== undefined && { output: flags.commandOutput }) };
  return { type: 'command', options };
}
