/**
 * Pack files: many sealed blobs, then a sealed header that lists them, then the header's
 * length (docs/repository-format.md, "Pack files"). Packs are self-describing, so an index
 * can always be rebuilt from them.
 */
import { seal, unseal, SEAL_OVERHEAD } from './crypto.ts';
import { sha256Async, type Id } from './hash.ts';

/** `delta`: a block stored as changes to an earlier one (delta.ts); indexed under the block's ID. */
export type BlobType = 'data' | 'tree' | 'delta';

const TYPE_CODES: readonly BlobType[] = ['data', 'tree', 'delta'];

export interface PackedBlob {
  readonly id: Id;
  readonly type: BlobType;
  readonly offset: number;
  /** Stored (sealed) length. */
  readonly length: number;
  /** Plaintext length. */
  readonly rawLength: number;
  readonly compressed: boolean;
}

const ENTRY = 42;

export class PackBuilder {
  readonly type: BlobType;
  /**
   * One buffer that blobs are copied into, grown by doubling: the sealed blobs handed in
   * (often slices of a worker's transfer buffer) are released at once, and finishing the
   * pack needs no second copy.
   */
  private buffer: Buffer;
  private readonly blobs: PackedBlob[] = [];
  private size = 0;

  constructor(type: BlobType, buffer: Buffer = Buffer.allocUnsafe(1024 * 1024)) {
    this.type = type;
    this.buffer = buffer;
  }

  get length(): number {
    return this.size;
  }

  get count(): number {
    return this.blobs.length;
  }

  add(id: Id, sealed: Uint8Array, rawLength: number, compressed: boolean): void {
    this.reserve(sealed.length);
    this.buffer.set(sealed, this.size);
    this.blobs.push({ id, type: this.type, offset: this.size, length: sealed.length, rawLength, compressed });
    this.size += sealed.length;
  }

  /** The buffer the pack was built in; once its bytes are stored it can build another. */
  get storage(): Buffer {
    return this.buffer;
  }

  /** The pack's bytes and ID, with the blobs it holds. */
  async finish(key: Uint8Array): Promise<{ id: Id; bytes: Buffer; blobs: readonly PackedBlob[] }> {
    const header = Buffer.alloc(this.blobs.length * ENTRY);
    this.blobs.forEach((blob, i) => {
      const at = i * ENTRY;
      header[at] = TYPE_CODES.indexOf(blob.type);
      header[at + 1] = blob.compressed ? 1 : 0;
      header.writeUInt32LE(blob.length, at + 2);
      header.writeUInt32LE(blob.rawLength, at + 6);
      Buffer.from(blob.id, 'hex').copy(header, at + 10);
    });
    const sealedHeader = seal(key, 'pack-header', header);
    this.reserve(sealedHeader.length + 4);
    this.buffer.set(sealedHeader, this.size);
    this.buffer.writeUInt32LE(sealedHeader.length, this.size + sealedHeader.length);
    const bytes = this.buffer.subarray(0, this.size + sealedHeader.length + 4);
    return { id: await sha256Async(bytes), bytes, blobs: this.blobs };
  }

  private reserve(more: number): void {
    if (this.size + more <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.size + more) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.size);
    this.buffer = grown;
  }
}

/** How many bytes at the end of a pack to read to be likely to get the whole header. */
export function headerReadSize(packSize: number): number {
  return Math.min(packSize, 64 * 1024);
}

/**
 * Parses the header from the last `tail.length` bytes of a pack of `packSize` bytes.
 * Returns the number of tail bytes needed when `tail` is too short.
 */
export function parsePackHeader(key: Uint8Array, tail: Uint8Array, packSize: number): readonly PackedBlob[] | { need: number } {
  if (tail.length < 4) throw new Error('pack is too short to hold a header');
  const headerLength = Buffer.from(tail.buffer, tail.byteOffset, tail.length).readUInt32LE(tail.length - 4);
  if (headerLength < SEAL_OVERHEAD || headerLength + 4 > packSize) throw new Error(`pack header length ${headerLength} is impossible for a pack of ${packSize} bytes`);
  if (headerLength + 4 > tail.length) return { need: headerLength + 4 };
  const header = unseal(key, 'pack-header', tail.subarray(tail.length - 4 - headerLength, tail.length - 4));
  if (header.length % ENTRY !== 0) throw new Error(`pack header of ${header.length} bytes is not a whole number of entries`);
  const blobs: PackedBlob[] = [];
  let offset = 0;
  for (let at = 0; at < header.length; at += ENTRY) {
    const length = header.readUInt32LE(at + 2);
    const type = TYPE_CODES[header[at]!];
    if (type === undefined) throw new Error(`pack header names blob type ${header[at]}, which this strata does not know`);
    blobs.push({
      type,
      compressed: header[at + 1] === 1,
      length,
      rawLength: header.readUInt32LE(at + 6),
      id: header.subarray(at + 10, at + 42).toString('hex'),
      offset,
    });
    offset += length;
  }
  if (offset + headerLength + 4 !== packSize) throw new Error('pack header does not account for every byte of the pack');
  return blobs;
}

export function packKey(id: Id): string {
  return `data/${id.slice(0, 2)}/${id}`;
}
