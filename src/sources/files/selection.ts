/**
 * The paths given to a backup, as a tree of the directories above them: /etc/kubernetes and
 * /etc/hosts share /etc, whose own metadata is kept but whose other entries are not.
 */
import { resolve, sep } from 'node:path';

export interface Selection {
  /** Undefined: everything below this point is selected. */
  readonly children: Map<string, Selection> | undefined;
}

export function selectPaths(paths: readonly string[]): Selection {
  const root: { children: Map<string, Selection> | undefined } = { children: new Map() };
  for (const path of paths) {
    const parts = resolve(path).split(sep).filter((p) => p !== '');
    let at = root;
    for (const part of parts) {
      if (at.children === undefined) break; // an ancestor is already selected whole
      let next = at.children.get(part) as { children: Map<string, Selection> | undefined } | undefined;
      if (next === undefined) at.children.set(part, (next = { children: new Map() }));
      at = next;
    }
    at.children = undefined;
  }
  return root;
}
