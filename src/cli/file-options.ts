/** The files source's flags: `backup --files` and `--control-plane`, `restore --target` and `--include`. */
import type { FilesEntry } from '../sources/files/entry.ts';
import type { FilesRestoreOptions } from '../sources/files/source.ts';
import type { RestoreSelection } from '../engine/restore.ts';
import type { NamedEntry } from '../engine/sources.ts';
import { fromFlags } from './source-field.ts';

export interface FileFlags {
  readonly files: string[];
  readonly controlPlane: boolean;
}

export function filesEntryOf(flags: FileFlags): NamedEntry | undefined {
  if (flags.files.length === 0 && !flags.controlPlane) return undefined;
  const entry: FilesEntry = { type: 'files', paths: flags.files, ...(flags.controlPlane && { preset: 'control-plane' }) };
  return fromFlags(entry, '--files', { preset: '--control-plane', paths: '--files' });
}

/** `restore --target DIR [--include PATTERN]` as the files source's restore. */
export function filesSelection(options: FilesRestoreOptions): RestoreSelection {
  return { type: 'files', options };
}
