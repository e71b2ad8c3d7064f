/**
 * The names in a tar stream, read as it passes (POSIX ustar, with GNU long names and pax
 * `path` records), to prove that a vendor's backup archive is a whole tar and holds what its
 * documentation says a good one holds. Facts used: 512-byte blocks; a header's checksum is the
 * sum of its bytes with the checksum field read as spaces; sizes are octal (or base-256 when
 * the first byte has its high bit set); the archive ends with two zero blocks.
 */

const BLOCK = 512;

export interface TarListing {
  readonly entries: readonly string[];
  /** The two zero blocks that end an archive were seen. */
  readonly complete: boolean;
  /** Why the stream is not a tar, when it is not. */
  readonly error?: string;
}

const text = (block: Uint8Array, at: number, length: number): string => {
  const field = block.subarray(at, at + length);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
};

function numeric(block: Uint8Array, at: number, length: number): number {
  if ((block[at]! & 0x80) !== 0) {
    let value = 0;
    for (let i = at + 1; i < at + length; i++) value = value * 256 + block[i]!;
    return value;
  }
  const digits = text(block, at, length).trim();
  return digits === '' ? 0 : Number.parseInt(digits, 8);
}

function checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === numeric(block, 148, 8);
}

/** The `path` of a pax extended header's records ("LEN path=VALUE\n"). */
function paxPath(data: Buffer): string | undefined {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number.parseInt(data.subarray(at, space).toString('ascii'), 10);
    if (space < 0 || !Number.isInteger(length) || length <= 0) return undefined;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    if (record.startsWith('path=')) return record.slice(5);
    at += length;
  }
  return undefined;
}

export class TarLister {
  private pending = Buffer.alloc(0);
  private readonly names: string[] = [];
  /** Bytes of the current entry's data still to skip (or to keep, for long names and pax). */
  private dataLeft = 0;
  private padding = 0;
  private keeping: { kind: 'longname' | 'pax'; parts: Buffer[] } | undefined;
  private nextName: string | undefined;
  private zeroBlocks = 0;
  private failure: string | undefined;
  private offset = 0;

  push(bytes: Uint8Array): void {
    if (this.failure !== undefined || this.zeroBlocks >= 2) return;
    this.pending = this.pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.pending, bytes]);
    let at = 0;
    while (this.failure === undefined && this.zeroBlocks < 2) {
      if (this.dataLeft > 0 || this.padding > 0) {
        const take = Math.min(this.dataLeft + this.padding, this.pending.length - at);
        if (take === 0) break;
        const data = Math.min(take, this.dataLeft);
        if (this.keeping !== undefined && data > 0) this.keeping.parts.push(this.pending.subarray(at, at + data));
        this.dataLeft -= data;
        this.padding -= take - data;
        at += take;
        if (this.dataLeft === 0 && this.padding === 0 && this.keeping !== undefined) this.kept();
        continue;
      }
      if (this.pending.length - at < BLOCK) break;
      this.header(this.pending.subarray(at, at + BLOCK));
      at += BLOCK;
    }
    this.offset += at;
    this.pending = Buffer.from(this.pending.subarray(at));
  }

  private kept(): void {
    const data = Buffer.concat(this.keeping!.parts);
    this.nextName = this.keeping!.kind === 'longname' ? text(data, 0, data.length) : (paxPath(data) ?? this.nextName);
    this.keeping = undefined;
  }

  private header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.zeroBlocks++;
      return;
    }
    if (this.zeroBlocks > 0 || !checksumOk(block)) {
      this.failure = `not a tar archive: the header at byte ${this.offset + (this.pending.length - block.length)} has a wrong checksum`;
      return;
    }
    const type = String.fromCharCode(block[156]!);
    const size = numeric(block, 124, 12);
    this.dataLeft = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'L' || type === 'x') {
      this.keeping = { kind: type === 'L' ? 'longname' : 'pax', parts: [] };
      if (size === 0) this.kept();
      return;
    }
    if (type === 'g') return;
    const prefix = text(block, 257, 6).startsWith('ustar') ? text(block, 345, 155) : '';
    const name = this.nextName ?? (prefix === '' ? text(block, 0, 100) : `${prefix}/${text(block, 0, 100)}`);
    this.nextName = undefined;
    this.names.push(name);
  }

  finish(): TarListing {
    const truncated = this.failure === undefined && this.zeroBlocks < 2 && (this.names.length > 0 || this.dataLeft > 0 || this.pending.length > 0);
    return {
      entries: this.names,
      complete: this.zeroBlocks >= 2,
      ...(this.failure !== undefined
        ? { error: this.failure }
        : truncated ? { error: 'the tar archive is cut short (no end-of-archive blocks)' } : this.names.length === 0 ? { error: 'an empty archive: no entries' } : {}),
    };
  }
}
