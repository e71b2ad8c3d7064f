/**
 * Tree nodes for sources that store a few small records (swarm objects), one blob each. A
 * record's node carries a fixed time (its creation time), so the node and the directory
 * trees above it stay byte-identical while the record is unchanged: an unchanged record
 * costs nothing in the next snapshot.
 */
import type { Id } from './hash.ts';
import type { TreeNode } from './tree.ts';

export function recordNode(fileName: string, content: Id, size: number, created: string | undefined): TreeNode {
  const ms = created === undefined ? 0 : Date.parse(created);
  const mtimeNs = Number.isFinite(ms) ? (BigInt(ms) * 1_000_000n).toString() : '0';
  return { name: fileName, type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs, size, content: [content] };
}

export function directoryNode(name: string, subtree: Id): TreeNode {
  return { name, type: 'dir', mode: 0o700, uid: 0, gid: 0, mtimeNs: '0', subtree };
}
