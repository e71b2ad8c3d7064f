/** The objects of `strata restore ID --target DIR --include /objects`: DIR/objects/TYPE/objects.jsonl, a line per object. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DumpedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

/** Every dumped object by type ("configmaps", "deployments.apps"), in stored order. */
export function dumpedObjects(target: string): Map<string, DumpedObject[]> {
  const dir = join(target, 'objects');
  const types = new Map<string, DumpedObject[]>();
  for (const type of readdirSync(dir)) {
    const file = join(dir, type, 'objects.jsonl');
    const text = readFileSync(file, 'utf8');
    if (!text.endsWith('\n')) throw new Error(`${file} does not end with a newline`);
    types.set(type, text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as DumpedObject));
  }
  return types;
}
