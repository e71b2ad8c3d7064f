/**
 * The one test suite every storage backend passes (restic's backend/test/suite.go idea):
 * memory and local in the unit tests, MinIO and OpenSSH in the integration tests.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type Backend } from '../../src/storage/backend.ts';

export function backendConformance(name: string, create: () => Promise<Backend> | Backend): void {
  describe(`${name} backend conformance`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await create();
    });
    afterAll(async () => {
      await backend.close?.();
    });

    it('saves and loads whole objects and byte ranges', async () => {
      const data = randomBytes(300_000);
      await backend.save('data/ab/object-1', data);
      expect(Buffer.from(await backend.load('data/ab/object-1')).equals(data)).toBe(true);
      expect(Buffer.from(await backend.load('data/ab/object-1', 1000, 5000)).equals(data.subarray(1000, 6000))).toBe(true);
      expect(Buffer.from(await backend.load('data/ab/object-1', data.length - 10, 10)).equals(data.subarray(data.length - 10))).toBe(true);
      expect(await backend.stat('data/ab/object-1')).toEqual({ key: 'data/ab/object-1', size: data.length });
    });

    it('saves empty objects', async () => {
      await backend.save('snapshots/empty', new Uint8Array(0));
      expect((await backend.load('snapshots/empty')).length).toBe(0);
      expect((await backend.stat('snapshots/empty')).size).toBe(0);
    });

    it('replaces an object saved twice under one key', async () => {
      await backend.save('locks/replaced', Buffer.from('first'));
      await backend.save('locks/replaced', Buffer.from('second version'));
      expect(Buffer.from(await backend.load('locks/replaced')).toString()).toBe('second version');
    });

    it('lists every key under a prefix, with sizes, and nothing else', async () => {
      const keys = ['index/a1', 'index/b2', 'data/00/p1', 'data/ff/p2'];
      for (const [i, key] of keys.entries()) await backend.save(key, randomBytes(10 + i));
      const index = (await collect(backend.list('index/'))).map((o) => o.key).sort();
      expect(index).toEqual(['index/a1', 'index/b2']);
      const data = await collect(backend.list('data/'));
      expect(data.map((o) => o.key)).toEqual(expect.arrayContaining(['data/00/p1', 'data/ff/p2', 'data/ab/object-1']));
      expect(data.find((o) => o.key === 'data/ff/p2')?.size).toBe(13);
      expect(await collect(backend.list('nothing-here/'))).toEqual([]);
    });

    it('classifies a missing object as not found and permanent', async () => {
      const missing = `keys/${randomBytes(8).toString('hex')}`;
      for (const attempt of [() => backend.load(missing), () => backend.stat(missing)]) {
        const error = await attempt().then(() => undefined, (e: unknown) => e);
        expect(error).toBeDefined();
        expect(backend.isNotFound(error)).toBe(true);
        expect(backend.isPermanent(error)).toBe(true);
      }
    });

    it('removes objects', async () => {
      await backend.save('locks/gone', Buffer.from('x'));
      await backend.remove('locks/gone');
      const error = await backend.stat('locks/gone').then(() => undefined, (e: unknown) => e);
      expect(backend.isNotFound(error)).toBe(true);
      expect((await collect(backend.list('locks/'))).map((o) => o.key)).not.toContain('locks/gone');
    });

    it('handles concurrent saves and loads', async () => {
      const blobs = Array.from({ length: 16 }, (_, i) => ({ key: `data/cc/concurrent-${i}`, data: randomBytes(50_000 + i) }));
      await Promise.all(blobs.map((b) => backend.save(b.key, b.data)));
      const loaded = await Promise.all(blobs.map((b) => backend.load(b.key)));
      loaded.forEach((data, i) => expect(Buffer.from(data).equals(blobs[i]!.data)).toBe(true));
    });
  });
}
