/**
 * Reads the stream `rbd export-diff` writes (Ceph doc/dev/rbd-diff.rst), formats v1 and v2:
 * a header line, metadata records (from snap 'f', to snap 't', image size 's'), then data
 * records (written extent 'w' with its bytes, zeroed extent 'z') and the end 'e'. In v2
 * every record but the end carries its length after the tag, so unknown records can be
 * skipped. Integers are little-endian. Written extents are handed out in pieces of at most
 * `maxPiece` bytes, as they arrive (slices of the stream's own chunks, not copies), so a
 * large extent never has to sit in memory whole.
 */

export type DiffRecord =
  | { readonly kind: 'from'; readonly snapshot: string }
  | { readonly kind: 'to'; readonly snapshot: string }
  | { readonly kind: 'size'; readonly bytes: number }
  /** A piece of a written extent: `data` at `offset`, within the whole extent `extent`. */
  | { readonly kind: 'write'; readonly offset: number; readonly data: Buffer; readonly extent: { readonly offset: number; readonly length: number } }
  | { readonly kind: 'zero'; readonly offset: number; readonly length: number }
  | { readonly kind: 'end' };

const HEADERS: Readonly<Record<string, 1 | 2>> = { 'rbd diff v1\n': 1, 'rbd diff v2\n': 2 };
const HEADER_LENGTH = 12;

export class DiffFormatError extends Error {}

/** A byte queue over the chunks of a stream: take exactly n bytes, waiting for more as needed. */
class Reader {
  private readonly source: AsyncIterator<Uint8Array>;
  private chunks: Buffer[] = [];
  private available = 0;
  /** Bytes consumed so far, for error messages. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes, or fewer only at the end of the stream. */
  async take(n: number): Promise<Buffer> {
    while (this.available < n) {
      const next = await this.source.next();
      if (next.done === true) break;
      const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      this.chunks.push(chunk);
      this.available += chunk.length;
    }
    const count = Math.min(n, this.available);
    const whole = this.chunks.length === 1 || count === 0 ? this.chunks[0] ?? Buffer.alloc(0) : Buffer.concat(this.chunks);
    const out = whole.subarray(0, count);
    const rest = whole.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.available -= count;
    this.position += count;
    return out;
  }

  /** Between 1 and `max` bytes, from the first buffered chunk: no copy when data is written on. */
  async some(max: number, what: string): Promise<Buffer> {
    if (this.available === 0) {
      const next = await this.source.next();
      if (next.done !== true) {
        const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        this.chunks.push(chunk);
        this.available += chunk.length;
      }
    }
    const first = this.chunks[0];
    if (first === undefined) throw new DiffFormatError(`rbd diff stream ends inside ${what} at byte ${this.position}`);
    const out = first.subarray(0, Math.min(max, first.length));
    if (out.length === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(out.length);
    this.available -= out.length;
    this.position += out.length;
    return out;
  }

  async exactly(n: number, what: string): Promise<Buffer> {
    const bytes = await this.take(n);
    if (bytes.length < n) throw new DiffFormatError(`rbd diff stream ends inside ${what} at byte ${this.position}`);
    return bytes;
  }
}

function u64(bytes: Buffer, at: number, what: string): number {
  const value = bytes.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DiffFormatError(`rbd diff stream: ${what} ${value} is beyond 2^53`);
  return Number(value);
}

export async function* readDiffStream(source: AsyncIterable<Uint8Array>, maxPiece = 4 * 1024 * 1024): AsyncGenerator<DiffRecord> {
  const reader = new Reader(source);
  const header = (await reader.take(HEADER_LENGTH)).toString('latin1');
  const version = HEADERS[header];
  if (version === undefined) throw new DiffFormatError(`not an rbd diff stream: it starts with ${JSON.stringify(header)}`);
  for (;;) {
    const tag = (await reader.exactly(1, 'a record tag')).toString('latin1');
    if (tag === 'e') {
      yield { kind: 'end' };
      return;
    }
    const recordLength = version === 2 ? u64(await reader.exactly(8, `the length of record '${tag}'`), 0, 'record length') : undefined;
    switch (tag) {
      case 'f':
      case 't': {
        const length = (await reader.exactly(4, 'a snapshot name length')).readUInt32LE(0);
        const snapshot = (await reader.exactly(length, 'a snapshot name')).toString('utf8');
        yield tag === 'f' ? { kind: 'from', snapshot } : { kind: 'to', snapshot };
        break;
      }
      case 's':
        yield { kind: 'size', bytes: u64(await reader.exactly(8, 'the image size'), 0, 'image size') };
        break;
      case 'w':
      case 'z': {
        const header = await reader.exactly(16, `a '${tag}' extent`);
        const offset = u64(header, 0, 'offset');
        const length = u64(header, 8, 'length');
        if (tag === 'z') {
          yield { kind: 'zero', offset, length };
          break;
        }
        const extent = { offset, length };
        for (let done = 0; done < length;) {
          const data = await reader.some(Math.min(maxPiece, length - done), 'written data');
          yield { kind: 'write', offset: offset + done, data, extent };
          done += data.length;
        }
        break;
      }
      default:
        // v2 lets a reader skip what it does not know (newer metadata); v1 has no lengths to skip by.
        if (recordLength === undefined) throw new DiffFormatError(`rbd diff stream: unknown record '${tag}' at byte ${reader.position - 1}`);
        await reader.exactly(recordLength, `record '${tag}'`);
    }
  }
}

function le64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
}

/**
 * Writes a v1 stream that makes an image exactly `size` bytes of `blocks` (in order, from
 * offset 0): the size record, then each block as a written extent, or a zeroed extent when
 * it holds only zeros (`rbd import-diff` discards those). No snapshot records: applied to
 * the image's head, it checks no base and leaves no snapshot behind.
 */
export async function* writeImageDiff(size: number, blocks: AsyncIterable<{ readonly data: Buffer; readonly zero: boolean }>): AsyncGenerator<Buffer> {
  yield Buffer.concat([Buffer.from('rbd diff v1\ns', 'latin1'), le64(size)]);
  let offset = 0;
  for await (const block of blocks) {
    yield Buffer.concat([Buffer.from(block.zero ? 'z' : 'w', 'latin1'), le64(offset), le64(block.data.length)]);
    if (!block.zero) yield block.data;
    offset += block.data.length;
  }
  yield Buffer.from('e', 'latin1');
}
