/**
 * `backup --source-file FILE`: source entries written as in a plan's `sources:` list (one
 * entry, or a list), for a one-off backup of any source without a plan — the mke and msr
 * sources, which have no flags of their own, included.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { UsageError } from '../core/errors.ts';
import type { NamedEntry } from '../engine/sources.ts';
import { sourceEntrySchema } from '../sources/registry.ts';

const repeated = (value: string, previous: string[]) => [...previous, value];

export function addSourceFileOptions(command: Command): Command {
  return command.option('--source-file <file>', 'back up the source entries in this YAML file, written as a plan\'s sources: list (repeatable)', repeated, []);
}

export function sourceFileEntries(files: readonly string[]): NamedEntry[] {
  return files.flatMap((file) => {
    let value: unknown;
    try {
      value = parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`--source-file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { hint: 'give a YAML file of source entries, as a plan\'s sources: list' });
    }
    const list = Array.isArray(value) ? value : [value];
    return list.map((item, i) => {
      const at = `--source-file ${file}${Array.isArray(value) ? ` [${i}]` : ''}`;
      const checked = sourceEntrySchema.safeParse(item);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        throw new UsageError(`${at}${issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${issue.message}`, { hint: '`strata config schema` lists every source\'s fields' });
      }
      return { entry: checked.data, field: (key?: string) => (key === undefined ? at : `${at}.${key}`) };
    });
  });
}
