/**
 * Selection flags shared by `backup --objects`, `restore --objects` and `diff`, in
 * Velero's spelling: comma-separated or repeated, globs allowed for namespaces and types.
 */
import { Option, type Command } from 'commander';
import type { ObjectFilters } from '../core/objects/filters.ts';
import { UsageError } from '../core/errors.ts';
import { commaSeparated } from './option-values.ts';
import type { NamedEntry } from '../engine/sources.ts';
import type { ObjectsEntry } from '../sources/objects/entry.ts';
import { fromFlags } from './source-field.ts';

export interface ObjectFilterFlags {
  readonly includeNamespaces: string[];
  readonly excludeNamespaces: string[];
  readonly includeResources: string[];
  readonly excludeResources: string[];
  readonly selector?: string;
  readonly clusterScoped?: boolean;
}

export function addObjectFilterOptions(command: Command, clusterScopedHelp: string): Command {
  return command
    .option('--include-namespaces <globs>', 'only these namespaces (comma-separated or repeated; * and ? match)', commaSeparated, [])
    .option('--exclude-namespaces <globs>', 'leave these namespaces out', commaSeparated, [])
    .option('--include-resources <types>', 'only these types: configmaps, deployments.apps, Deployment, *.example.com', commaSeparated, [])
    .option('--exclude-resources <types>', 'leave these types out', commaSeparated, [])
    .addOption(new Option('--cluster-scoped', clusterScopedHelp))
    .addOption(new Option('--no-cluster-scoped', 'leave cluster-scoped types out (unless named in --include-resources)'));
}

export function objectFilters(flags: ObjectFilterFlags): ObjectFilters {
  for (const [flag, values] of [['--include-namespaces', flags.includeNamespaces], ['--exclude-namespaces', flags.excludeNamespaces]] as const) {
    for (const value of values) {
      if (!/^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/.test(value)) throw new UsageError(`${flag} ${value}: not a namespace name or glob`, { hint: 'namespaces are lower-case letters, digits and "-"; * and ? match' });
    }
  }
  return {
    includeNamespaces: flags.includeNamespaces,
    excludeNamespaces: flags.excludeNamespaces,
    includeResources: flags.includeResources,
    excludeResources: flags.excludeResources,
    clusterScoped: flags.clusterScoped ?? true,
  };
}

/** `backup --objects` and its filters as the objects source's entry; a type the cluster does not serve is an error here. */
export function objectsEntryOf(flags: ObjectFilterFlags & { readonly objects: boolean; readonly allVersions?: boolean }): NamedEntry | undefined {
  if (!flags.objects) return undefined;
  const filters = objectFilters(flags);
  const entry: ObjectsEntry = {
    type: 'objects',
    includeNamespaces: [...filters.includeNamespaces],
    excludeNamespaces: [...filters.excludeNamespaces],
    includeResources: [...filters.includeResources],
    excludeResources: [...filters.excludeResources],
    clusterScoped: filters.clusterScoped,
    allVersions: flags.allVersions === true,
    unknownTypes: 'error',
    ...(flags.selector !== undefined && { labelSelector: flags.selector }),
  };
  return fromFlags(entry, '--objects', { includeNamespaces: '--include-namespaces', excludeNamespaces: '--exclude-namespaces', includeResources: '--include-resources', excludeResources: '--exclude-resources', labelSelector: '-l' });
}
