/**
 * bbolt databases built byte by byte from bbolt's layout, for the unit tests of the etcd
 * source (the integration tests check the same code against upstream etcdutl).
 */
export const PAGE = 4096;

export interface Element {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly bucket?: boolean;
}

export function fnv1a64(bytes: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}

/** A leaf (flags 2) or, with `children`, a branch (flags 1) page, padded to whole pages. */
export function page(id: number, elements: readonly Element[], children?: readonly number[]): Buffer {
  const count = children?.length ?? elements.length;
  const header = Buffer.alloc(16 + count * 16);
  header.writeBigUInt64LE(BigInt(id), 0);
  header.writeUInt16LE(children ? 1 : 2, 8);
  header.writeUInt16LE(count, 10);
  const data: Buffer[] = [];
  let offset = header.length;
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 16;
    if (children) {
      const key = elements[i]?.key ?? Buffer.alloc(0);
      header.writeUInt32LE(offset - at, at);
      header.writeUInt32LE(key.length, at + 4);
      header.writeBigUInt64LE(BigInt(children[i]!), at + 8);
      data.push(key);
      offset += key.length;
    } else {
      const e = elements[i]!;
      header.writeUInt32LE(e.bucket ? 1 : 0, at);
      header.writeUInt32LE(offset - at, at + 4);
      header.writeUInt32LE(e.key.length, at + 8);
      header.writeUInt32LE(e.value.length, at + 12);
      data.push(e.key, e.value);
      offset += e.key.length + e.value.length;
    }
  }
  const body = Buffer.concat([header, ...data]);
  const pages = Math.ceil(body.length / PAGE);
  body.writeUInt32LE(pages - 1, 12);
  return Buffer.concat([body, Buffer.alloc(pages * PAGE - body.length)]);
}

export function meta(id: number, root: number, highWater: number, txid: number, valid = true): Buffer {
  const p = Buffer.alloc(PAGE);
  p.writeBigUInt64LE(BigInt(id), 0);
  p.writeUInt16LE(4, 8);
  const m = p.subarray(16, 80);
  m.writeUInt32LE(0xed0cdaed, 0);
  m.writeUInt32LE(2, 4);
  m.writeUInt32LE(PAGE, 8);
  m.writeBigUInt64LE(BigInt(root), 16);
  m.writeBigUInt64LE(BigInt(highWater), 40);
  m.writeBigUInt64LE(BigInt(txid), 48);
  m.writeBigUInt64LE(valid ? fnv1a64(m.subarray(0, 56)) : 1n, 56);
  return p;
}

export function revisionKey(main: number, tombstone: boolean): Buffer {
  const k = Buffer.alloc(tombstone ? 18 : 17);
  k.writeBigUInt64BE(BigInt(main), 0);
  k[8] = 0x5f;
  if (tombstone) k[17] = 0x74;
  return k;
}

/** An mvccpb.KeyValue with only field 1 (the key) and some filler. */
export function keyValue(key: string, filler: number): Buffer {
  const k = Buffer.from(key);
  return Buffer.concat([Buffer.of(0x0a, k.length), k, Buffer.of(0x2a, filler), Buffer.alloc(filler, 7)]);
}

export type Op = { readonly key: string; readonly del: boolean; readonly size: number };

/**
 * A database with a root bucket (page 2) holding an inline "meta" bucket and the "key"
 * bucket: a branch page over leaves of at most `perLeaf` revisions. A stale leaf (a freed
 * page) with revisions no live page references comes first, to be ignored.
 */
export function database(ops: readonly Op[], perLeaf: number): Buffer {
  const entries: Element[] = ops.map((op, i) => ({ key: revisionKey(i + 2, op.del), value: keyValue(op.key, op.size) }));
  const pages: Buffer[] = [];
  let next = 3;
  const place = (build: (id: number) => Buffer): number => {
    const id = next;
    const bytes = build(id);
    pages.push(bytes);
    next += bytes.length / PAGE;
    return id;
  };
  place((id) => page(id, [{ key: revisionKey(999_999, false), value: keyValue('stale', 3) }]));
  const leaves: { id: number; first: Buffer }[] = [];
  for (let i = 0; i < entries.length; i += perLeaf) {
    const chunk = entries.slice(i, i + perLeaf);
    leaves.push({ id: place((id) => page(id, chunk)), first: chunk[0]!.key });
  }
  const keyRoot = leaves.length === 1 ? leaves[0]!.id : place((id) => page(id, leaves.map((l) => ({ key: l.first, value: Buffer.alloc(0) })), leaves.map((l) => l.id)));
  const bucketValue = (root: number, inline?: Buffer) => {
    const v = Buffer.alloc(16);
    v.writeBigUInt64LE(BigInt(root), 0);
    return inline ? Buffer.concat([v, inline]) : v;
  };
  const inlineMeta = page(0, [{ key: Buffer.from('consistent_index'), value: Buffer.alloc(8, 1) }]).subarray(0, 16 + 16 + 16 + 8);
  const root = page(2, [
    { key: Buffer.from('key'), value: bucketValue(leaves.length === 0 ? place((id) => page(id, [])) : keyRoot), bucket: true },
    { key: Buffer.from('meta'), value: bucketValue(0, inlineMeta), bucket: true },
  ]);
  return Buffer.concat([meta(0, 2, next, 7), meta(1, 2, next, 6), root, ...pages]);
}
