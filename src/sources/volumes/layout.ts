/** Where the volumes source puts each volume in a snapshot's tree: volumes/NAMESPACE/CLAIM. */
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { TreeNode } from '../../repository/tree.ts';

export const VOLUMES_DIR = 'volumes';

async function child(repository: Repository, tree: Id | undefined, name: string): Promise<TreeNode | undefined> {
  return tree === undefined ? undefined : (await repository.loadTree(tree)).nodes.find((n) => n.name === name);
}

/** The stored node of a claim's volume in the snapshot whose root tree is `root`, if there is one. */
export async function volumeNode(repository: Repository, root: Id, namespace: string, claim: string): Promise<TreeNode | undefined> {
  const volumes = await child(repository, root, VOLUMES_DIR);
  const inNamespace = await child(repository, volumes?.subtree, namespace);
  return child(repository, inNamespace?.subtree, claim);
}
