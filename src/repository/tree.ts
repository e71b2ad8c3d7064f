/** Tree blobs: one directory's entries (docs/repository-format.md, "Trees"). */
import type { Id } from './hash.ts';

export type NodeType = 'file' | 'dir' | 'symlink' | 'fifo' | 'chardev' | 'blockdev' | 'socket';

export interface TreeNode {
  readonly name: string;
  readonly type: NodeType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Nanoseconds since the epoch, as a decimal string (beyond 2^53). */
  readonly mtimeNs: string;
  readonly size?: number;
  readonly inode?: string;
  readonly device?: string;
  readonly links?: number;
  readonly content?: readonly Id[];
  readonly subtree?: Id;
  readonly target?: string;
  readonly rdev?: string;
}

export interface Tree {
  readonly nodes: readonly TreeNode[];
}

export function encodeTree(nodes: readonly TreeNode[]): Buffer {
  const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Buffer.from(JSON.stringify({ nodes: sorted }));
}

export function decodeTree(bytes: Uint8Array): Tree {
  const tree = JSON.parse(Buffer.from(bytes).toString('utf8')) as Tree;
  if (!Array.isArray(tree.nodes)) throw new Error('tree blob has no nodes list');
  return tree;
}
