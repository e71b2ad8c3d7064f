/** How an entry made from flags names its keys in errors: the flag that set each one. */
import type { NamedEntry } from '../engine/sources.ts';
import type { SourceEntry } from '../sources/source.ts';

export function fromFlags(entry: SourceEntry, flag: string, keys: Readonly<Record<string, string>> = {}): NamedEntry {
  return { entry, field: (key?: string) => (key === undefined ? flag : (keys[key] ?? flag)) };
}
