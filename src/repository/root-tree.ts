/** A snapshot's root tree holds one directory per source, named after it (docs/repository-format.md). */
import type { Id } from './hash.ts';
import type { Repository } from './repository.ts';

/** The subtree a source wrote into a snapshot's root tree, if it is there and readable. */
export async function sourceTree(repository: Repository, root: Id, source: string): Promise<Id | undefined> {
  try {
    return (await repository.loadTree(root)).nodes.find((n) => n.name === source && n.type === 'dir')?.subtree;
  } catch {
    return undefined;
  }
}
