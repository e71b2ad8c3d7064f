/** The objects of `strata restore ID --target DIR --include /objects`: DIR/objects/TYPE.jsonl, a line per object. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DumpedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

/** Every dumped object by file name ("configmaps.jsonl"), in stored order. */
export function dumpedObjects(target: string): Map<string, DumpedObject[]> {
  const dir = join(target, 'objects');
  const files = new Map<string, DumpedObject[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (!text.endsWith('\n')) throw new Error(`${file} does not end with a newline`);
    files.set(file, text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as DumpedObject));
  }
  return files;
}
