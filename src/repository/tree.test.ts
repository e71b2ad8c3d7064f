import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTree, encodeTree, nameKey, nodeName, textOf, type TreeNode } from './tree.ts';

describe('names as bytes', () => {
  it('keeps valid UTF-8 as text and nothing else', () => {
    expect(textOf(Buffer.from('café.txt'))).toEqual({ text: 'café.txt' });
  });

  it('shows each undecodable byte as \\xNN and keeps the bytes', () => {
    const raw = Buffer.from([0x61, 0xe9, 0x62, 0xff, 0xc3, 0xa9]);
    expect(textOf(raw)).toEqual({ text: 'a\\xe9b\\xffé', bytes: raw.toString('base64') });
  });

  it('round-trips any name through a tree blob, and tells every distinct name apart', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 12 }).filter((b) => !b.includes(0) && !b.includes(0x2f)), { minLength: 1, maxLength: 8, selector: (b) => Buffer.from(b).toString('hex') }), (names) => {
        const nodes: TreeNode[] = names.map((raw) => {
          const { text, bytes } = textOf(Buffer.from(raw));
          return { name: text, ...(bytes === undefined ? {} : { nameBytes: bytes }), type: 'file', mode: 0o644, uid: 0, gid: 0, mtimeNs: '1' };
        });
        const decoded = decodeTree(encodeTree(nodes)).nodes.map((n) => Buffer.from(nodeName(n)));
        expect(decoded.map((b) => b.toString('hex')).sort()).toEqual(names.map((b) => Buffer.from(b).toString('hex')).sort());
        expect(new Set(decodeTree(encodeTree(nodes)).nodes.map((n) => nameKey(nodeName(n)))).size).toBe(names.length);
      }),
      { numRuns: 200 },
    );
  });
});
