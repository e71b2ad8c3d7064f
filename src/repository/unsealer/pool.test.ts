import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobDamaged, sealBlob } from '../blob.ts';
import { UnsealerPool } from './pool.ts';

describe('unsealing workers', () => {
  const key = randomBytes(32);
  const pools: UnsealerPool[] = [];
  const pool = (size?: number) => {
    const made = new UnsealerPool(key, size);
    pools.push(made);
    return made;
  };
  afterEach(async () => {
    for (const made of pools.splice(0)) await made.close();
  });

  it('gives back each blob, compressed or not, whatever the order they finish in', async () => {
    const plaintexts = [Buffer.alloc(3 << 20, 7), randomBytes(2 << 20), Buffer.from('small'), randomBytes(100_000)];
    const sealed = plaintexts.map((p) => sealBlob(key, p));
    expect(sealed.map((s) => s.compressed)).toEqual([true, false, false, false]);
    const workers = pool(2);
    const opened = await Promise.all(sealed.map((s) => workers.unseal(s.id, s.sealed, s.compressed)));
    for (const [i, p] of plaintexts.entries()) expect(opened[i]!.equals(p)).toBe(true);
  });

  it('names a damaged blob as damaged and keeps serving the others', async () => {
    const good = sealBlob(key, randomBytes(1 << 20));
    const flipped = Buffer.from(good.sealed);
    flipped[flipped.length >> 1]! ^= 1;
    const workers = pool(1);
    const damaged = workers.unseal(good.id, flipped, good.compressed);
    await expect(damaged).rejects.toBeInstanceOf(BlobDamaged);
    await expect(damaged).rejects.toThrow(new RegExp(`blob ${good.id.slice(0, 8)} is damaged`));
    // The stored bytes of another blob under this ID: decrypts, but does not hash to it.
    const other = sealBlob(key, randomBytes(1000));
    await expect(workers.unseal(good.id, other.sealed, other.compressed)).rejects.toThrow(/does not match its ID/);
    expect((await workers.unseal(good.id, good.sealed, good.compressed)).length).toBe(1 << 20);
  });

  it('refuses work once closed', async () => {
    const workers = pool(1);
    await workers.close();
    const blob = sealBlob(key, Buffer.from('late'));
    await expect(workers.unseal(blob.id, blob.sealed, blob.compressed)).rejects.toThrow(/closed/);
  });
});
