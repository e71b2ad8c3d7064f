/** A file system entry as a tree node: what lstat says, in the repository's terms. */
import type { BigIntStats } from 'node:fs';
import { textOf, type NodeType, type TreeNode } from '../../repository/tree.ts';

export function nodeType(stats: BigIntStats): NodeType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isCharacterDevice()) return 'chardev';
  if (stats.isBlockDevice()) return 'blockdev';
  return 'socket';
}

export function metadataNode(name: string | Buffer, type: NodeType, stats: BigIntStats): TreeNode {
  const text = typeof name === 'string' ? { text: name } : textOf(name);
  const named = text.bytes === undefined ? { name: text.text } : { name: text.text, nameBytes: text.bytes };
  const node: TreeNode = { ...named, type, mode: Number(stats.mode & 0o7777n), uid: Number(stats.uid), gid: Number(stats.gid), mtimeNs: stats.mtimeNs.toString() };
  if (type === 'chardev' || type === 'blockdev') return { ...node, rdev: stats.rdev.toString() };
  return node;
}

/** Whether a file is the same as in the parent snapshot, so its content need not be read. */
export function unchanged(previous: TreeNode | undefined, stats: BigIntStats): previous is TreeNode & { content: readonly string[] } {
  return (
    previous !== undefined &&
    previous.type === 'file' &&
    previous.content !== undefined &&
    previous.size === Number(stats.size) &&
    previous.mtimeNs === stats.mtimeNs.toString() &&
    previous.inode === stats.ino.toString()
  );
}
