/**
 * Delta blobs (docs/repository-format.md, "Delta blobs"): a block stored as the extents that
 * changed since an earlier block. A disk image written by a database changes a few KiB here
 * and there; storing each touched 4 MiB block whole made the repository grow by 20× the
 * bytes written. A delta blob is a blob like any other (its ID the SHA-256 of its plaintext)
 * that a tree names in place of the block; the repository rebuilds the block from the chain
 * for every reader, and writing one needs neither the old block's bytes nor the new one's.
 */
import type { Id } from './hash.ts';

export interface Delta {
  /** The block these extents apply to: a data blob or another delta. */
  readonly base: Id;
  /** 1 over a data blob; one more than the base's depth over a delta. */
  readonly depth: number;
  /** Bytes of all the extents along the chain down to the data blob, this delta's included. */
  readonly chainBytes: number;
  /** The length of the block this delta makes. */
  readonly length: number;
  readonly extents: readonly { readonly start: number; readonly bytes: Uint8Array }[];
}

const MAGIC = Buffer.from('SDL1');
const FIXED = 4 + 2 + 4 + 4 + 32 + 4;

/** The delta's plaintext: magic, depth, chain bytes, length, base, extent count, extents, then their bytes. */
export function encodeDelta(delta: Delta): Buffer {
  const dataBytes = delta.extents.reduce((sum, e) => sum + e.bytes.length, 0);
  const out = Buffer.alloc(FIXED + delta.extents.length * 8 + dataBytes);
  MAGIC.copy(out, 0);
  out.writeUInt16LE(delta.depth, 4);
  out.writeUInt32LE(delta.chainBytes, 6);
  out.writeUInt32LE(delta.length, 10);
  Buffer.from(delta.base, 'hex').copy(out, 14);
  out.writeUInt32LE(delta.extents.length, 46);
  let at = FIXED;
  for (const e of delta.extents) {
    out.writeUInt32LE(e.start, at);
    out.writeUInt32LE(e.bytes.length, at + 4);
    at += 8;
  }
  for (const e of delta.extents) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

export function decodeDelta(bytes: Buffer): Delta {
  if (bytes.length < FIXED || !bytes.subarray(0, 4).equals(MAGIC)) throw new Error('not a delta blob');
  const length = bytes.readUInt32LE(10);
  const count = bytes.readUInt32LE(46);
  if (FIXED + count * 8 > bytes.length) throw new Error(`delta blob names ${count} extents but is ${bytes.length} bytes`);
  const extents: { start: number; bytes: Uint8Array }[] = [];
  let data = FIXED + count * 8;
  for (let i = 0; i < count; i++) {
    const start = bytes.readUInt32LE(FIXED + i * 8);
    const size = bytes.readUInt32LE(FIXED + i * 8 + 4);
    if (start + size > length || data + size > bytes.length) throw new Error(`delta blob extent ${i} (${start}+${size}) lies outside the block or the blob`);
    extents.push({ start, bytes: bytes.subarray(data, data + size) });
    data += size;
  }
  if (data !== bytes.length) throw new Error('delta blob has bytes no extent accounts for');
  return { base: bytes.subarray(14, 46).toString('hex'), depth: bytes.readUInt16LE(4), chainBytes: bytes.readUInt32LE(6), length, extents };
}

/** Writes the delta's extents over `block` (the base's bytes, resized to the delta's length). */
export function applyDelta(block: Buffer, delta: Delta): void {
  for (const e of delta.extents) block.set(e.bytes, e.start);
}

/**
 * When a changed block is stored as a delta. Restoring a block reads its whole chain, so a
 * chain is cut — the block stored whole — once it is MAX_DEPTH deltas deep or its extents
 * add up to half the block; and a change of more than a quarter of the block is stored whole
 * at once. Scattered small writes so cost about what they wrote, plus one whole block per
 * chain.
 */
export const MAX_DEPTH = 32;

export function worthADelta(blockLength: number, changedBytes: number, base: { readonly depth: number; readonly chainBytes: number }): boolean {
  return changedBytes <= blockLength / 4 && base.depth < MAX_DEPTH && base.chainBytes + changedBytes <= blockLength / 2;
}
