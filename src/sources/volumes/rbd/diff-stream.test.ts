import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiffFormatError, readDiffStream, type DiffRecord } from './diff-stream.ts';

type Spec =
  | { kind: 'from' | 'to'; snapshot: string }
  | { kind: 'size'; bytes: number }
  | { kind: 'write'; offset: number; data: Buffer }
  | { kind: 'zero'; offset: number; length: number };

const le32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const le64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };

/** Encodes records as rbd export-diff does (the writer side of rbd-diff.rst), for the reader to read back. */
function encode(records: readonly Spec[], version: 1 | 2, extra: Buffer[] = []): Buffer {
  const parts: Buffer[] = [Buffer.from(`rbd diff v${version}\n`)];
  const record = (tag: string, body: Buffer) => parts.push(Buffer.from(tag), ...(version === 2 ? [le64(body.length)] : []), body);
  for (const r of records) {
    if (r.kind === 'from' || r.kind === 'to') record(r.kind === 'from' ? 'f' : 't', Buffer.concat([le32(Buffer.byteLength(r.snapshot)), Buffer.from(r.snapshot)]));
    else if (r.kind === 'size') record('s', le64(r.bytes));
    else if (r.kind === 'write') record('w', Buffer.concat([le64(r.offset), le64(r.data.length), r.data]));
    else if (r.kind === 'zero') record('z', Buffer.concat([le64(r.offset), le64(r.length)]));
  }
  parts.push(...extra, Buffer.from('e'));
  return Buffer.concat(parts);
}

async function* chunks(bytes: Buffer, cuts: readonly number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= at || cut >= bytes.length) continue;
    yield bytes.subarray(at, cut);
    at = cut;
  }
  yield bytes.subarray(at);
}

async function parse(bytes: Buffer, cuts: readonly number[] = [], maxPiece?: number): Promise<DiffRecord[]> {
  const out: DiffRecord[] = [];
  for await (const record of readDiffStream(chunks(bytes, cuts), maxPiece)) out.push(record);
  return out;
}

/** Joins the pieces of each written extent back together. */
function merged(records: readonly DiffRecord[]): unknown[] {
  const out: unknown[] = [];
  for (const r of records) {
    const last = out.at(-1) as { kind: string; offset: number; data: Buffer } | undefined;
    if (r.kind === 'write' && last?.kind === 'write' && last.offset + last.data.length === r.offset) last.data = Buffer.concat([last.data, r.data]);
    else out.push(r.kind === 'write' ? { kind: 'write', offset: r.offset, data: Buffer.from(r.data) } : r);
  }
  return out;
}

const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constantFrom('from' as const, 'to' as const), snapshot: fc.string({ minLength: 1, maxLength: 20 }) }),
  fc.record({ kind: fc.constant('size' as const), bytes: fc.integer({ min: 0, max: 2 ** 40 }) }),
  fc.record({ kind: fc.constant('write' as const), offset: fc.integer({ min: 0, max: 2 ** 40 }), data: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)) }),
  fc.record({ kind: fc.constant('zero' as const), offset: fc.integer({ min: 0, max: 2 ** 40 }), length: fc.integer({ min: 1, max: 2 ** 30 }) }),
);

describe('readDiffStream', () => {
  it('reads every record of v1 and v2 streams, however the bytes are chunked and however extents are cut into pieces', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { maxLength: 30 }), fc.constantFrom(1 as const, 2 as const), fc.array(fc.nat(5000), { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), async (records, version, cuts, maxPiece) => {
        const got = await parse(encode(records, version), cuts, maxPiece);
        expect(got.at(-1)).toEqual({ kind: 'end' });
        for (const r of got) if (r.kind === 'write') expect(r.data.length).toBeLessThanOrEqual(maxPiece);
        // Each piece names the whole extent it is part of (the reader knows a block is overwritten whole).
        const pieces = got.filter((r) => r.kind === 'write');
        const extents = pieces.map((r) => r.extent).filter((e, i, all) => i === 0 || e !== all[i - 1]);
        expect(extents).toEqual(records.flatMap((r) => (r.kind === 'write' ? [{ offset: r.offset, length: r.data.length }] : [])));
        for (const r of pieces) expect(r.offset >= r.extent.offset && r.offset + r.data.length <= r.extent.offset + r.extent.length).toBe(true);
        expect(merged(got.slice(0, -1))).toEqual(merged(records as DiffRecord[]));
      }),
      { numRuns: 200 },
    );
  });

  it('skips records it does not know in v2, and refuses them in v1', async () => {
    const unknown = [Buffer.from('m'), le64(3), Buffer.from('abc')];
    const records: Spec[] = [{ kind: 'size', bytes: 4096 }];
    expect(await parse(encode(records, 2, unknown))).toEqual([{ kind: 'size', bytes: 4096 }, { kind: 'end' }]);
    await expect(parse(encode(records, 1, [Buffer.from('m')]))).rejects.toThrow(/unknown record 'm'/);
  });

  it('names what is wrong with a stream that is not a diff or is cut short', async () => {
    await expect(parse(Buffer.from('rbd image v2\n...'))).rejects.toThrow(DiffFormatError);
    const whole = encode([{ kind: 'write', offset: 0, data: Buffer.alloc(100, 7) }], 1);
    await expect(parse(whole.subarray(0, whole.length - 40))).rejects.toThrow(/ends inside written data/);
    await expect(parse(whole.subarray(0, whole.length - 1))).rejects.toThrow(/ends inside a record tag/);
  });
});
