/**
 * `backup --registry URL` as the registry source's entry (repositories by glob, the
 * account's password from a file), and `restore --registry [--to URL]` as its restore:
 * repositories selected by glob and renamed by --repository-mapping, the --registry-*
 * account being the target's. Tags, newest N and platforms are for strata.yaml.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { repositoryMapping } from '../core/registry/selection.ts';
import type { RestoreSelection } from '../engine/restore.ts';
import type { NamedEntry } from '../engine/sources.ts';
import { registryEntry } from '../sources/registry/entry.ts';
import type { RegistryRestoreOptions } from '../sources/registry/restore.ts';
import { commaSeparated, repeated } from './option-values.ts';
import { fromFlags } from './source-field.ts';

interface RegistryAccountFlags {
  readonly registryRepositories: string[];
  readonly registryUsername?: string;
  readonly registryPasswordFile?: string;
  readonly registryCaFile?: string;
  readonly registryInsecure: boolean;
}

export interface RegistryBackupFlags extends RegistryAccountFlags {
  readonly registry?: string;
}

export interface RegistryRestoreFlags extends RegistryAccountFlags {
  readonly registry: boolean;
  readonly to?: string;
  readonly repositoryMapping: string[];
}

function addAccountOptions(command: Command, which: string): Command {
  return command
    .option('--registry-repositories <glob>', 'only repositories matching this glob: team/*, **/web (repeatable)', repeated, [])
    .option('--registry-username <name>', `the account on ${which}`)
    .option('--registry-password-file <file>', `a file (mode 0600) holding the password or token of --registry-username on ${which}`)
    .option('--registry-ca-file <file>', `${which}'s CA certificate (PEM), when the system does not trust it`)
    .option('--registry-insecure', `plain HTTP or an unverified certificate for ${which}: only on 127.0.0.1 (test registries)`, false);
}

export function addRegistryBackupOptions(command: Command): Command {
  return addAccountOptions(command.option('--registry <url>', 'back up the images of the OCI registry at URL (https://registry.example.com)'), 'the registry');
}

export function addRegistryRestoreOptions(command: Command): Command {
  return addAccountOptions(command
    .option('--registry', 'push the snapshot\'s images into a registry: the backed-up one, or --to', false)
    .option('--to <url>', 'with --registry: the registry to push into (default: the backed-up one)')
    .option('--repository-mapping <old:new>', 'with --registry: push repository OLD as NEW (comma-separated or repeated)', commaSeparated, []), 'the target registry');
}

export function registryEntryOf(flags: RegistryBackupFlags): NamedEntry | undefined {
  if (flags.registry === undefined) {
    if (flags.registryRepositories.length > 0 || flags.registryUsername !== undefined || flags.registryPasswordFile !== undefined || flags.registryCaFile !== undefined) {
      throw new UsageError('--registry-repositories, --registry-username, --registry-password-file and --registry-ca-file go with --registry URL', { hint: 'give the registry to back up with --registry https://HOST' });
    }
    return undefined;
  }
  const checked = registryEntry.safeParse({
    type: 'registry', url: flags.registry, insecure: flags.registryInsecure,
    ...(flags.registryRepositories.length > 0 && { repositories: flags.registryRepositories }),
    ...(flags.registryUsername !== undefined && { username: flags.registryUsername }),
    ...(flags.registryPasswordFile !== undefined && { passwordFile: flags.registryPasswordFile }),
    ...(flags.registryCaFile !== undefined && { caFile: flags.registryCaFile }),
  });
  const keys = { url: '--registry', username: '--registry-username', passwordFile: '--registry-password-file', caFile: '--registry-ca-file', repositories: '--registry-repositories', insecure: '--registry-insecure' };
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new UsageError(`${keys[String(issue.path[0]) as keyof typeof keys] ?? '--registry'}: ${issue.message}`, { hint: 'see strata backup --help; tags, newest and platforms are set in strata.yaml' });
  }
  return fromFlags(checked.data, '--registry', keys);
}

export function registrySelection(flags: RegistryRestoreFlags): RestoreSelection | undefined {
  if (!flags.registry) {
    if (flags.to !== undefined || flags.repositoryMapping.length > 0) throw new UsageError('--to and --repository-mapping apply to images: give them with --registry');
    return undefined;
  }
  const options: RegistryRestoreOptions = {
    insecure: flags.registryInsecure, repositories: flags.registryRepositories, mappings: repositoryMapping('--repository-mapping', flags.repositoryMapping), concurrency: 4,
    ...(flags.to !== undefined && { to: flags.to }), ...(flags.registryUsername !== undefined && { username: flags.registryUsername }),
    ...(flags.registryPasswordFile !== undefined && { passwordFile: flags.registryPasswordFile }), ...(flags.registryCaFile !== undefined && { caFile: flags.registryCaFile }),
  };
  return { type: 'registry', options };
}
