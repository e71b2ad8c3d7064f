import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobDamaged, sealBlob, unsealBlob } from './blob.ts';
import { worthCompressing } from './compression.ts';
import { SEAL_OVERHEAD } from './crypto.ts';

const key = randomBytes(32);
const text = (length: number) => Buffer.from('apiVersion: v1\nkind: ConfigMap\n'.repeat(Math.ceil(length / 31)).slice(0, length));

describe('blob payloads', () => {
  it('stores random data as is, without a zstd pass, and compressible data compressed', () => {
    const random = randomBytes(4 * 1024 * 1024);
    expect(worthCompressing(random)).toBe(false);
    const sealed = sealBlob(key, random);
    expect(sealed.compressed).toBe(false);
    expect(sealed.sealed.length).toBe(random.length + SEAL_OVERHEAD);
    expect(unsealBlob(key, sealed, sealed.sealed).equals(random)).toBe(true);

    const config = text(1024 * 1024);
    expect(worthCompressing(config)).toBe(true);
    const packed = sealBlob(key, config);
    expect(packed.compressed).toBe(true);
    expect(packed.sealed.length).toBeLessThan(config.length / 10);
    expect(unsealBlob(key, packed, packed.sealed).equals(config)).toBe(true);
  });

  it('compresses a block that is random only in part (a half-written image block)', () => {
    const block = Buffer.alloc(4 * 1024 * 1024);
    randomBytes(1024 * 1024).copy(block, 0);
    randomBytes(1024 * 1024).copy(block, 2 * 1024 * 1024);
    expect(worthCompressing(block)).toBe(true);
    const sealed = sealBlob(key, block);
    expect(sealed.compressed).toBe(true);
    expect(sealed.sealed.length).toBeLessThan(2.1 * 1024 * 1024);
  });

  it('tries small blobs whole: the samples would be most of them', () => {
    expect(worthCompressing(randomBytes(200 * 1024))).toBe(true);
    expect(sealBlob(key, randomBytes(200 * 1024)).compressed).toBe(false);
  });

  it('opens a blob only as long as the index says: a frame that decodes to more is damage', () => {
    const config = text(64 * 1024);
    const packed = sealBlob(key, config);
    expect(unsealBlob(key, packed, packed.sealed).length).toBe(config.length);
    // The index's length one byte short: the same frame, refused rather than trusted.
    expect(() => unsealBlob(key, { ...packed, rawLength: config.length - 1 }, packed.sealed)).toThrow(BlobDamaged);
    // A byte more is room the frame does not fill: the content still proves itself by its hash.
    expect(unsealBlob(key, { ...packed, rawLength: config.length + 1 }, packed.sealed).equals(config)).toBe(true);
  });
});
