import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { page, PAGE, revisionKey } from '../../../test/helpers/bolt-database.ts';
import { decodeMap, decodeTable, MapBuilder, MapFormatError, TableWriter, type ValueEntry } from './database-map.ts';

function encodeTable(entries: readonly ValueEntry[]): Buffer {
  const table = new TableWriter();
  for (const entry of entries) table.add(entry.key, entry.size, entry.crc);
  return table.take();
}
import { buildRevisionLeaf, splitRevisionLeaf } from './revision-leaf.ts';

const entriesArbitrary = fc.array(fc.record({ main: fc.nat({ max: 1e9 }), tombstone: fc.boolean(), value: fc.uint8Array({ maxLength: 3000 }) }), { minLength: 1, maxLength: 12 });

describe('revision leaves', () => {
  it('property: a leaf as bbolt lays it out is split into its revisions and values, and built back byte for byte', () => {
    fc.assert(
      fc.property(entriesArbitrary, fc.nat({ max: 2 ** 40 }), (entries, pgid) => {
        const elements = entries.map((e) => ({ key: revisionKey(e.main, e.tombstone), value: Buffer.from(e.value) }));
        const node = page(pgid, elements);
        const leaf = splitRevisionLeaf(node, pgid, PAGE)!;
        expect(leaf.overflow).toBe(node.length / PAGE - 1);
        expect(leaf.keys.map((k) => Buffer.from(k))).toEqual(elements.map((e) => e.key));
        expect(leaf.values.map((v) => Buffer.from(v))).toEqual(elements.map((e) => e.value));

        const rebuilt = Buffer.alloc(node.length);
        const offsets = buildRevisionLeaf(rebuilt, pgid, leaf.overflow, leaf.keys, leaf.values.map((v) => v.length));
        offsets.forEach((at, i) => rebuilt.set(leaf.values[i]!, at));
        expect(rebuilt.equals(node)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('leaves whole what it could not build back: stray bytes, another page number, buckets, other keys, branches', () => {
    const elements = [{ key: revisionKey(5, false), value: Buffer.from('value') }];
    const good = page(7, elements);
    expect(splitRevisionLeaf(good, 7, PAGE)).toBeDefined();
    const stray = Buffer.from(good);
    stray[PAGE - 1] = 1;
    expect(splitRevisionLeaf(stray, 7, PAGE)).toBeUndefined();
    expect(splitRevisionLeaf(good, 8, PAGE)).toBeUndefined();
    expect(splitRevisionLeaf(page(7, [{ ...elements[0]!, bucket: true }]), 7, PAGE)).toBeUndefined();
    expect(splitRevisionLeaf(page(7, [{ key: Buffer.from('consistent_index'), value: Buffer.alloc(8) }]), 7, PAGE)).toBeUndefined();
    expect(splitRevisionLeaf(page(7, elements, [9]), 7, PAGE)).toBeUndefined();
    expect(splitRevisionLeaf(page(7, []), 7, PAGE)).toBeUndefined();
  });
});

describe('database map and value tables', () => {
  it('property: segments and ordinals read back as built', () => {
    const segment = fc.oneof(
      fc.record({ kind: fc.constant('pages' as const), count: fc.integer({ min: 1, max: 1e6 }) }),
      fc.record({ kind: fc.constant('leaf' as const), overflow: fc.nat({ max: 1e4 }), values: fc.array(fc.nat({ max: 2 ** 40 }), { minLength: 1, maxLength: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 30 }), (segments) => {
        const map = new MapBuilder(PAGE);
        // Handles stand for themselves here: the ordinal function is the identity.
        for (const s of segments) {
          if (s.kind === 'pages') map.pages(s.count);
          else map.leaf(s.overflow, s.values);
        }
        const merged = segments.reduce<typeof segments>((out, s) => {
          const last = out.at(-1);
          if (s.kind === 'pages' && last?.kind === 'pages') out[out.length - 1] = { kind: 'pages', count: last.count + s.count };
          else out.push(s);
          return out;
        }, []);
        expect(decodeMap(map.encode((h) => h))).toEqual({ pageSize: PAGE, segments: merged });
      }),
    );
  });

  it('property: a value table reads back as written, and a damaged one is refused', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 100 }))), (pairs) => {
        const entries = pairs.map(([k, v]) => ({ key: Buffer.from(k), size: v.length, crc: crc32(v) }));
        const decoded = decodeTable(encodeTable(entries)).map((e) => ({ ...e, key: Buffer.from(e.key) }));
        expect(decoded).toEqual(entries.map((e) => ({ ...e, key: Buffer.from(e.key) })));
      }),
    );
    const table = encodeTable([{ key: Buffer.from('k'), size: 1, crc: crc32(Buffer.from('v')) }]);
    expect(() => decodeTable(table.subarray(0, table.length - 1))).toThrow(MapFormatError);
    expect(() => decodeTable(Buffer.concat([table, Buffer.of(0)]))).toThrow(/bytes after the last value/);
    expect(() => decodeMap(Buffer.from('nope'))).toThrow(/not a SEM1 record/);
  });
});
