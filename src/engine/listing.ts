/** The entries of a snapshot, as `strata ls` shows them: a walk of its trees. */
import type { Id } from '../repository/hash.ts';
import type { Repository } from '../repository/repository.ts';
import type { TreeNode } from '../repository/tree.ts';

export interface ListedEntry {
  readonly path: string;
  readonly node: TreeNode;
}

/** Every entry at or below `prefix` (a path in the snapshot, "/" for all), depth first. */
export async function* walkSnapshot(repository: Repository, tree: Id, prefix = '/', at = ''): AsyncIterable<ListedEntry> {
  const wanted = prefix.replace(/\/+$/, '');
  for (const node of (await repository.loadTree(tree)).nodes) {
    const path = `${at}/${node.name}`;
    const inside = wanted === '' || path === wanted || path.startsWith(`${wanted}/`);
    const above = wanted.startsWith(`${path}/`);
    if (!inside && !above) continue;
    if (inside) yield { path, node };
    if (node.type === 'dir' && node.subtree !== undefined) yield* walkSnapshot(repository, node.subtree, prefix, path);
  }
}
