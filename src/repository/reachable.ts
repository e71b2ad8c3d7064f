/**
 * Every blob a set of snapshots uses: their trees, recursively, and the content of each
 * file (with the bases of delta blobs). Snapshots share most of their trees, so a tree already in `used` is not read again
 * (everything below it is in the set too).
 */
import type { Id } from './hash.ts';
import type { Repository } from './repository.ts';
import type { StoredSnapshot } from './snapshot.ts';

export interface Reachable {
  readonly used: Set<Id>;
  /** Blobs a snapshot names that no index knows: the repository is damaged. */
  readonly missing: Map<Id, Id>;
}

export async function reachableBlobs(repository: Repository, snapshots: readonly StoredSnapshot[], used = new Set<Id>()): Promise<Reachable> {
  const missing = new Map<Id, Id>();
  for (const snapshot of snapshots) {
    const pending: Id[] = [snapshot.tree];
    for (let tree = pending.pop(); tree !== undefined; tree = pending.pop()) {
      if (used.has(tree)) continue;
      used.add(tree);
      if (!repository.index.has(tree)) {
        missing.set(tree, snapshot.id);
        continue;
      }
      for (const node of (await repository.loadTree(tree)).nodes) {
        if (node.subtree !== undefined) pending.push(node.subtree);
        for (const blob of node.content ?? []) await useContent(repository, blob, snapshot.id, used, missing);
      }
    }
  }
  return { used, missing };
}

/** A content blob, and when it is a delta the blocks down its chain: pruning a base would lose the block. */
async function useContent(repository: Repository, blob: Id, snapshot: Id, used: Set<Id>, missing: Map<Id, Id>): Promise<void> {
  for (let at: Id | undefined = blob; at !== undefined && !used.has(at);) {
    used.add(at);
    const location = repository.index.get(at);
    if (location === undefined) missing.set(at, snapshot);
    at = location?.type === 'delta' ? (await repository.loadDelta(at)).base : undefined;
  }
}
