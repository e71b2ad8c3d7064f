/** Tree blobs: one directory's entries (docs/repository-format.md, "Trees"). */
import { isUtf8 } from 'node:buffer';
import type { Id } from './hash.ts';

export type NodeType = 'file' | 'dir' | 'symlink' | 'fifo' | 'chardev' | 'blockdev' | 'socket';

export interface TreeNode {
  /** The name as text; where the name is not valid UTF-8, a display form (`nameBytes` is the name). */
  readonly name: string;
  /** Base64 of the name's bytes, present only when they are not valid UTF-8 (Linux names are bytes). */
  readonly nameBytes?: string;
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
  /** Base64 of the symlink target's bytes, present only when they are not valid UTF-8. */
  readonly targetBytes?: string;
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

/**
 * A name (or link target) read as bytes, in the node's terms: the text itself when it is
 * valid UTF-8; otherwise a display form with each invalid byte as `\xNN`, and the bytes.
 */
export function textOf(raw: Buffer): { text: string; bytes?: string } {
  if (isUtf8(raw)) return { text: raw.toString('utf8') };
  let text = '';
  for (let at = 0; at < raw.length; ) {
    const length = utf8SequenceLength(raw, at);
    text += length > 0 ? raw.toString('utf8', at, at + length) : `\\x${raw[at]!.toString(16).padStart(2, '0')}`;
    at += Math.max(length, 1);
  }
  return { text, bytes: raw.toString('base64') };
}

/** The length of the valid UTF-8 sequence starting at `at`, or 0 when the byte there starts none. */
function utf8SequenceLength(raw: Buffer, at: number): number {
  const lead = raw[at]!;
  const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (length === 0 || at + length > raw.length) return 0;
  return isUtf8(raw.subarray(at, at + length)) ? length : 0;
}

/** The node's name exactly as the file system had it: bytes where it was not valid UTF-8. */
export function nodeName(node: TreeNode): string | Buffer {
  return node.nameBytes === undefined ? node.name : Buffer.from(node.nameBytes, 'base64');
}

/** The symlink's target exactly as it was. */
export function nodeTarget(node: TreeNode): string | Buffer {
  return node.targetBytes === undefined ? (node.target ?? '') : Buffer.from(node.targetBytes, 'base64');
}

/** A key that tells apart every distinct name of a directory, display forms included. */
export function nameKey(name: string | Buffer): string {
  return typeof name === 'string' ? name : `\0${name.toString('base64')}`;
}
