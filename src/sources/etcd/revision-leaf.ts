/**
 * A leaf node of etcd's "key" bucket, taken apart into its revisions and values and built
 * back byte for byte. Only a node laid out exactly as bbolt writes one is taken apart:
 * page header, element array, then each element's key and value packed in order, then
 * zeros to the end of the node (bbolt zeroes a page buffer before reusing it). Anything
 * else — branch pages, other buckets, bytes of a freed page half overwritten — is kept
 * whole by the caller, so building back can never differ from what etcd sent.
 *
 * Layout (little-endian): page header {id u64, flags u16, count u16, overflow u32}, then
 * `count` elements {flags u32, pos u32, ksize u32, vsize u32}, `pos` counted from the
 * element's own offset.
 */

export const PAGE_HEADER = 16;
const ELEMENT = 16;
const LEAF = 0x02;
/** A revision key: main u64 big-endian, '_', sub u64 big-endian, and 't' on a tombstone. */
const REVISION_SEPARATOR = 0x5f;

export interface RevisionLeaf {
  /** Extra pages the node spans after its first. */
  readonly overflow: number;
  /** Views into the node, not copies. */
  readonly keys: readonly Uint8Array[];
  readonly values: readonly Uint8Array[];
}

/**
 * Whole pages the node whose page header starts at `at` spans, or undefined when it is no
 * leaf page. Read byte by byte, as below: a DataView or a view per page and per entry was
 * most of what a snapshot's main thread allocated.
 */
export function leafSpan(bytes: Uint8Array, at = 0): number | undefined {
  return u16(bytes, at + 8) === LEAF ? 1 + u32(bytes, at + 12) : undefined;
}

function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 2 ** 24;
}

export function isRevisionKey(key: Uint8Array): boolean {
  return (key.length === 17 || key.length === 18) && key[8] === REVISION_SEPARATOR;
}

/**
 * The revisions and values of `node` (page `pgid`, all its pages), or undefined unless it
 * is a non-empty leaf of revision keys laid out as bbolt lays one out.
 */
export function splitRevisionLeaf(node: Uint8Array, pgid: number, pageSize: number): RevisionLeaf | undefined {
  if (node.length < PAGE_HEADER) return undefined;
  if (u32(node, 0) + u32(node, 4) * 2 ** 32 !== pgid) return undefined;
  const span = leafSpan(node);
  const count = u16(node, 10);
  if (span === undefined || count === 0 || span * pageSize !== node.length) return undefined;
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  let data = PAGE_HEADER + count * ELEMENT;
  if (data > node.length) return undefined;
  for (let i = 0; i < count; i++) {
    const element = PAGE_HEADER + i * ELEMENT;
    const keySize = u32(node, element + 8);
    const valueSize = u32(node, element + 12);
    if (u32(node, element) !== 0 || u32(node, element + 4) !== data - element) return undefined;
    if (data + keySize + valueSize > node.length) return undefined;
    const key = node.subarray(data, data + keySize);
    if (!isRevisionKey(key)) return undefined;
    keys.push(key);
    values.push(node.subarray(data + keySize, data + keySize + valueSize));
    data += keySize + valueSize;
  }
  for (let at = data; at < node.length; at++) if (node[at] !== 0) return undefined;
  return { overflow: span - 1, keys, values };
}

/**
 * Writes the leaf's header, elements and keys into `node` (zeroed, its whole span) and
 * returns where each value goes: the caller puts the values there.
 */
export function buildRevisionLeaf(node: Uint8Array, pgid: number, overflow: number, keys: readonly Uint8Array[], valueSizes: readonly number[]): number[] {
  const view = new DataView(node.buffer, node.byteOffset, node.length);
  view.setUint32(0, pgid % 2 ** 32, true);
  view.setUint32(4, Math.floor(pgid / 2 ** 32), true);
  view.setUint16(8, LEAF, true);
  view.setUint16(10, keys.length, true);
  view.setUint32(12, overflow, true);
  const offsets: number[] = [];
  let data = PAGE_HEADER + keys.length * ELEMENT;
  for (let i = 0; i < keys.length; i++) {
    const element = PAGE_HEADER + i * ELEMENT;
    const key = keys[i]!;
    view.setUint32(element + 4, data - element, true);
    view.setUint32(element + 8, key.length, true);
    view.setUint32(element + 12, valueSizes[i]!, true);
    node.set(key, data);
    offsets.push(data + key.length);
    data += key.length + valueSizes[i]!;
  }
  if (data > node.length) throw new RangeError(`leaf of ${keys.length} entries needs ${data} bytes, node has ${node.length}`);
  return offsets;
}
