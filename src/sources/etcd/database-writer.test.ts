/**
 * A database stored by DatabaseWriter and rebuilt by rebuildDatabase is byte for byte what
 * was streamed, however the stream is cut; a snapshot with a base stores only the values
 * the base lacks.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database, PAGE, type Op } from '../../../test/helpers/bolt-database.ts';
import { BlobWriter } from '../../repository/blob-writer.ts';
import { Repository } from '../../repository/repository.ts';
import { SealerPool } from '../../repository/sealer/pool.ts';
import { MemoryBackend } from '../../storage/memory.ts';
import { rebuildDatabase } from './database-reader.ts';
import { BaseValues, DatabaseWriter, type DatabaseBase, type StoredDatabase } from './database-writer.ts';
import { DATABASE_FILES } from './record.ts';

const withTrailer = (db: Buffer): Buffer => Buffer.concat([db, createHash('sha256').update(db).digest()]);

describe('DatabaseWriter and rebuildDatabase', () => {
  let repository: Repository;
  let pool: SealerPool;
  let writer: BlobWriter;
  const dir = mkdtempSync(join(tmpdir(), 'strata-etcd-db-'));
  let files = 0;

  beforeAll(async () => {
    repository = await Repository.init(new MemoryBackend(), { password: 'database test' });
    writer = new BlobWriter(repository);
    pool = new SealerPool(repository, writer, 2);
  });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function store(stream: Buffer, cuts: readonly number[] = [], base?: DatabaseBase): Promise<StoredDatabase> {
    const db = new DatabaseWriter(repository, writer, pool, base === undefined ? undefined : await BaseValues.load(repository, base));
    let at = 0;
    for (const cut of [...cuts, stream.length].sort((a, b) => a - b)) {
      const end = Math.min(Math.max(cut, at), stream.length);
      await db.push(stream.subarray(at, end));
      at = end;
    }
    const stored = await db.finish('0');
    await writer.flush();
    return stored;
  }

  async function rebuild(stored: StoredDatabase): Promise<Buffer> {
    const file = join(dir, `db-${files++}`);
    const handle = await open(file, 'w+');
    try {
      await rebuildDatabase(repository, stored.files, handle);
    } finally {
      await handle.close();
    }
    return readFileSync(file);
  }

  const baseOf = (stored: StoredDatabase): DatabaseBase => ({
    chunks: stored.files.find((f) => f.name === DATABASE_FILES.values)!.content!,
    tables: stored.files.find((f) => f.name === DATABASE_FILES.tables)!.content!,
    storage: stored.storage,
  });

  const opArbitrary = fc.record({ key: fc.constantFrom('/a', '/b', '/c'), del: fc.boolean(), size: fc.nat({ max: 3000 }) });

  it('property: rebuilds exactly what was streamed, however cut, and with a base stores only the values it lacks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArbitrary, { minLength: 1, maxLength: 40 }),
        fc.array(opArbitrary, { maxLength: 10 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.nat({ max: 200_000 }), { maxLength: 5 }),
        async (ops, more, perLeaf, cuts) => {
          const first = withTrailer(database(ops, perLeaf));
          const stored = await store(first, cuts);
          expect(stored.storage.incremental).toBe(false);
          expect((await rebuild(stored)).equals(first)).toBe(true);

          // The next day: the same revisions and some new ones.
          const next = withTrailer(database([...ops, ...more], perLeaf));
          const again = await store(next, cuts, baseOf(stored));
          expect((await rebuild(again)).equals(next)).toBe(true);
          expect(again.storage.incremental).toBe(true);
          const newValues = more.reduce((sum, op) => sum + 2 + `${op.key}`.length + 2 + op.size, 0);
          expect(again.storage.newValueBytes).toBe(newValues);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps a leaf that is not laid out as bbolt writes one as a page, and rebuilds it exactly', async () => {
    const ops: Op[] = Array.from({ length: 12 }, (_, i) => ({ key: `/k${i}`, del: false, size: 200 }));
    const db = database(ops, 3);
    // Page 4 is the first live leaf: bytes after its last value make it no longer bbolt's own.
    db[5 * PAGE - 1] = 0x55;
    const stream = withTrailer(db);
    const stored = await store(stream, [PAGE + 5]);
    expect((await rebuild(stored)).equals(stream)).toBe(true);
    // The stale leaf (one value) and three of four live leaves are split; page 4's three values are not.
    expect(stored.storage.values).toBe(1 + 9);
  });

  it('rebuilds a leaf that overflows onto further pages', async () => {
    const ops: Op[] = Array.from({ length: 30 }, (_, i) => ({ key: `/k${i}`, del: false, size: 2500 }));
    const db = database(ops, 30);
    expect(db.readUInt32LE(4 * PAGE + 12)).toBeGreaterThan(10);
    const stream = withTrailer(db);
    const stored = await store(stream, [4 * PAGE + 3, 9 * PAGE]);
    expect(stored.storage.values).toBe(31);
    expect((await rebuild(stored)).equals(stream)).toBe(true);
  });

  it('drops value chunks no longer referred to, and builds on no base that is mostly unreferenced', async () => {
    const old = await store(withTrailer(database(Array.from({ length: 2000 }, (_, i) => ({ key: `/k${i}`, del: false, size: 900 })), 4)));
    const oldChunks = baseOf(old).chunks;
    expect(oldChunks.length).toBeGreaterThan(1);
    // Every live value different (other sizes): of the base, only the stale page's value, in its first chunk, is referred to.
    const changed = withTrailer(database(Array.from({ length: 2000 }, (_, i) => ({ key: `/k${i}`, del: false, size: 901 })), 4));
    const next = await store(changed, [], baseOf(old));
    expect(next.storage.incremental).toBe(true);
    expect(baseOf(next).chunks.filter((id) => oldChunks.includes(id))).toEqual([oldChunks[0]]);
    expect((await rebuild(next)).equals(changed)).toBe(true);

    const sparse = { ...baseOf(next), storage: { ...next.storage, valueBytes: next.storage.chunkBytes * 0.4 } };
    const fresh = await store(changed, [], sparse);
    expect(fresh.storage.incremental).toBe(false);
    expect(fresh.storage.newValueBytes).toBe(fresh.storage.valueBytes);
  });
});
