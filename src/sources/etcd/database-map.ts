/**
 * The two small formats of a stored etcd database (docs/repository-format.md, "The etcd
 * directory"): the map, which says page by page how the database is put back together,
 * and the table of each value chunk, which names the revision, length and CRC-32 of every
 * value in it.
 *
 * Map: "SEM1", varint page size, then segments until the end:
 *   0x00 varint n — the next n pages of the pages file, as they are;
 *   0x01 varint overflow, varint count, count × zigzag varint — a leaf of revisions rebuilt
 *        from values, each given by its ordinal in the value list as the difference from
 *        one past the previous ordinal of the map (so consecutive values cost one byte).
 * Table: "SEV1", varint count, then per value: varint key length, key, varint value
 * length, CRC-32 u32 little-endian.
 */
const MAP_MAGIC = Buffer.from('SEM1');
const TABLE_MAGIC = Buffer.from('SEV1');
const PAGES = 0x00;
const LEAF = 0x01;

export class MapFormatError extends Error {}

class ByteWriter {
  private buffer = Buffer.alloc(64 * 1024);
  length = 0;

  bytes(data: Uint8Array): void {
    this.room(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  varint(value: number): void {
    this.room(10);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
  }

  zigzag(value: number): void {
    this.varint(value < 0 ? -2 * value - 1 : 2 * value);
  }

  uint32(value: number): void {
    this.room(4);
    this.buffer.writeUInt32LE(value, this.length);
    this.length += 4;
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private room(more: number): void {
    if (this.length + more <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + more));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

class ByteReader {
  private at = 0;
  private readonly data: Uint8Array;
  private readonly what: string;

  constructor(data: Uint8Array, what: string) {
    this.data = data;
    this.what = what;
  }

  get done(): boolean {
    return this.at >= this.data.length;
  }

  magic(expected: Buffer): void {
    if (!expected.equals(this.bytes(expected.length))) throw new MapFormatError(`${this.what}: not a ${expected.toString()} record`);
  }

  byte(): number {
    if (this.at >= this.data.length) throw new MapFormatError(`${this.what}: ends early`);
    return this.data[this.at++]!;
  }

  varint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      if (scale > 2 ** 49) throw new MapFormatError(`${this.what}: varint too long at byte ${this.at}`);
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  }

  zigzag(): number {
    const raw = this.varint();
    return raw % 2 === 1 ? -(raw + 1) / 2 : raw / 2;
  }

  uint32(): number {
    const bytes = this.bytes(4);
    return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16)) + bytes[3]! * 2 ** 24;
  }

  bytes(length: number): Uint8Array {
    if (this.at + length > this.data.length) throw new MapFormatError(`${this.what}: ends early`);
    const slice = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }
}

export type MapSegment = { readonly kind: 'pages'; readonly count: number } | { readonly kind: 'leaf'; readonly overflow: number; readonly values: readonly number[] };

/**
 * The map as a backup builds it: leaves name their values by handles the backup gives out
 * as it streams, turned into ordinals once the value list is final.
 */
export class MapBuilder {
  private readonly kinds: number[] = [];
  /** Pages: the run's length; leaf: its overflow. */
  private readonly sizes: number[] = [];
  private readonly counts: number[] = [];
  private readonly handles: number[] = [];
  readonly pageSize: number;

  constructor(pageSize: number) {
    this.pageSize = pageSize;
  }

  pages(count: number): void {
    const last = this.kinds.length - 1;
    if (last >= 0 && this.kinds[last] === PAGES) this.sizes[last]! += count;
    else this.add(PAGES, count, 0);
  }

  leaf(overflow: number, handles: readonly number[]): void {
    this.add(LEAF, overflow, handles.length);
    for (const handle of handles) this.handles.push(handle);
  }

  encode(ordinal: (handle: number) => number): Buffer {
    const out = new ByteWriter();
    out.bytes(MAP_MAGIC);
    out.varint(this.pageSize);
    let previous = -1;
    let next = 0;
    for (let i = 0; i < this.kinds.length; i++) {
      out.varint(this.kinds[i]!);
      out.varint(this.sizes[i]!);
      if (this.kinds[i] !== LEAF) continue;
      out.varint(this.counts[i]!);
      for (let v = 0; v < this.counts[i]!; v++) {
        const value = ordinal(this.handles[next++]!);
        out.zigzag(value - (previous + 1));
        previous = value;
      }
    }
    return out.result();
  }

  private add(kind: number, size: number, count: number): void {
    this.kinds.push(kind);
    this.sizes.push(size);
    this.counts.push(count);
  }
}

export function decodeMap(data: Uint8Array): { pageSize: number; segments: MapSegment[] } {
  const input = new ByteReader(data, 'etcd database map');
  input.magic(MAP_MAGIC);
  const pageSize = input.varint();
  const segments: MapSegment[] = [];
  let previous = -1;
  while (!input.done) {
    const kind = input.byte();
    if (kind === PAGES) {
      segments.push({ kind: 'pages', count: input.varint() });
    } else if (kind === LEAF) {
      const overflow = input.varint();
      const values: number[] = [];
      for (let count = input.varint(); count > 0; count--) values.push((previous = previous + 1 + input.zigzag()));
      segments.push({ kind: 'leaf', overflow, values });
    } else {
      throw new MapFormatError(`etcd database map: unknown segment ${kind}`);
    }
  }
  return { pageSize, segments };
}

export interface ValueEntry {
  readonly key: Uint8Array;
  readonly size: number;
  readonly crc: number;
}

/** A value table written as values arrive: no object per value is kept. */
export class TableWriter {
  private out = new ByteWriter();
  private entries = 0;

  get count(): number {
    return this.entries;
  }

  add(key: Uint8Array, size: number, crc: number): void {
    this.out.varint(key.length);
    this.out.bytes(key);
    this.out.varint(size);
    this.out.uint32(crc);
    this.entries++;
  }

  /** The table so far, and a fresh start for the next. */
  take(): Buffer {
    const head = new ByteWriter();
    head.bytes(TABLE_MAGIC);
    head.varint(this.entries);
    const table = Buffer.concat([head.result(), this.out.result()]);
    this.out = new ByteWriter();
    this.entries = 0;
    return table;
  }
}

export function decodeTable(data: Uint8Array): ValueEntry[] {
  const entries: ValueEntry[] = [];
  readTable(data, (key, size, crc) => entries.push({ key, size, crc }));
  return entries;
}

/**
 * Calls `visit` with each value of a table, in order (`key` is a view into `data`). For a
 * backup's base, which needs no object per value.
 */
export function readTable(data: Uint8Array, visit: (key: Uint8Array, size: number, crc: number) => void): void {
  const input = new ByteReader(data, 'etcd value table');
  input.magic(TABLE_MAGIC);
  for (let count = input.varint(); count > 0; count--) {
    const key = input.bytes(input.varint());
    visit(key, input.varint(), input.uint32());
  }
  if (!input.done) throw new MapFormatError('etcd value table: bytes after the last value');
}
