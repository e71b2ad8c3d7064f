import { randomBytes } from 'node:crypto';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.ts';
import { BlobWriter } from './blob-writer.ts';
import { RepositoryDamaged, RepositoryNotFound, UnsupportedFormat, WrongPassword } from './errors.ts';
import { UsageError } from '../core/errors.ts';
import { Lock, listLocks } from './lock.ts';
import { sealJson } from './metadata.ts';
import { packKey, parsePackHeader } from './pack.ts';
import { Repository } from './repository.ts';

async function fresh(options: Parameters<typeof Repository.init>[2] = {}) {
  const backend = new MemoryBackend();
  const repository = await Repository.init(backend, { password: 'correct horse' }, options);
  return { backend, repository };
}

describe('opening a repository', () => {
  it('opens with the password it was made with and refuses another', async () => {
    const { backend, repository } = await fresh();
    const again = await Repository.open(backend, { password: 'correct horse' });
    expect(again.config.id).toBe(repository.config.id);
    expect(again.masterKey.equals(repository.masterKey)).toBe(true);
    await expect(Repository.open(backend, { password: 'wrong' })).rejects.toBeInstanceOf(WrongPassword);
  });

  it('says there is no repository where none exists', async () => {
    await expect(Repository.open(new MemoryBackend(), { password: 'x' })).rejects.toBeInstanceOf(RepositoryNotFound);
  });

  it('refuses a repository of a newer format version', async () => {
    const { backend, repository } = await fresh();
    await backend.save('config', sealJson(repository.masterKey, 'config', { ...repository.config, version: 2 }));
    await expect(Repository.open(backend, { password: 'correct horse' })).rejects.toThrow(/format version 2 is newer/);
    await expect(Repository.open(backend, { password: 'correct horse' })).rejects.toBeInstanceOf(UnsupportedFormat);
  });

  it('opens with an age identity once its recipient is added, without rewriting data', async () => {
    const { backend, repository } = await fresh();
    const identity = await generateIdentity();
    const writer = new BlobWriter(repository);
    const id = await writer.saveData(Buffer.from('kept across key changes'));
    await writer.flush();
    const before = new Map([...backend.objects].filter(([k]) => !k.startsWith('keys/')));
    await repository.addKey({ recipient: await identityToRecipient(identity) });
    const viaAge = await Repository.open(backend, { identities: [identity] });
    await viaAge.loadIndex();
    expect((await viaAge.loadBlob(id)).toString()).toBe('kept across key changes');
    for (const [key, bytes] of before) expect(backend.objects.get(key)).toEqual(bytes);
    const other = await generateIdentity();
    await expect(Repository.open(backend, { identities: [other] })).rejects.toBeInstanceOf(WrongPassword);
  });
});

describe('a repository that lost its config or a key file', () => {
  async function withData() {
    const { backend, repository } = await fresh();
    const writer = new BlobWriter(repository);
    const id = await writer.saveData(Buffer.from('data that must stay readable'));
    await writer.flush();
    return { backend, repository, id };
  }

  it('is reported damaged, never "no repository", and init refuses to write a second key into it', async () => {
    const { backend } = await withData();
    backend.objects.delete('config');
    const opened = Repository.open(backend, { password: 'correct horse' });
    await expect(opened).rejects.toBeInstanceOf(RepositoryDamaged);
    await expect(Repository.open(backend, { password: 'correct horse' })).rejects.toThrow(/has no config object, though it holds keys\/…, index\/…, data\/…: it is damaged/);
    const keys = [...backend.objects.keys()].filter((k) => k.startsWith('keys/'));
    await expect(Repository.init(backend, { password: 'another' })).rejects.toBeInstanceOf(UsageError);
    expect([...backend.objects.keys()].filter((k) => k.startsWith('keys/'))).toEqual(keys);
    expect(backend.objects.has('config')).toBe(false);
  });

  it('gets a new config from repair, which keeps every blob readable', async () => {
    const { backend, repository, id } = await withData();
    backend.objects.delete('config');
    await expect(Repository.repairConfig(backend, { password: 'wrong' })).rejects.toBeInstanceOf(WrongPassword);
    const repaired = await Repository.repairConfig(backend, { password: 'correct horse' });
    expect(repaired.proof).toMatch(/^index\/[0-9a-f]{64} opens with the key$/);
    const reopened = await Repository.open(backend, { password: 'correct horse' });
    expect(reopened.masterKey.equals(repository.masterKey)).toBe(true);
    await reopened.loadIndex();
    expect((await reopened.loadBlob(id)).toString()).toBe('data that must stay readable');
    await expect(Repository.repairConfig(backend, { password: 'correct horse' })).rejects.toThrow(/config is intact; there is nothing to repair/);
  });

  it('repair refuses a key that opens none of the data', async () => {
    const { backend } = await withData();
    const stranger = await Repository.init(new MemoryBackend(), { password: 'correct horse' });
    backend.objects.delete('config');
    for (const key of [...backend.objects.keys()].filter((k) => k.startsWith('keys/'))) backend.objects.delete(key);
    await stranger.addKey({ password: 'correct horse' });
    for (const [key, bytes] of (stranger.backend as MemoryBackend).objects) if (key.startsWith('keys/')) backend.objects.set(key, bytes);
    await expect(Repository.repairConfig(backend, { password: 'correct horse' })).rejects.toThrow(/no snapshot or index object opens with this key/);
    expect(backend.objects.has('config')).toBe(false);
  });

  it('tells a damaged key file from a wrong password', async () => {
    const { backend } = await withData();
    const [key] = [...backend.objects.keys()].filter((k) => k.startsWith('keys/'));
    const bytes = Buffer.from(backend.objects.get(key!)!);
    bytes[bytes.length - 10]! ^= 0x01;
    backend.objects.set(key!, bytes);
    await expect(Repository.open(backend, { password: 'correct horse' })).rejects.toBeInstanceOf(RepositoryDamaged);
    await expect(Repository.open(backend, { password: 'correct horse' })).rejects.toThrow(`key file ${key} (its content does not match its name) is damaged`);
  });
});

describe('blobs, packs and the index', () => {
  it('stores blobs in packs that describe themselves, and reads them back verified', async () => {
    const { backend, repository } = await fresh({ packSize: 100_000 });
    const writer = new BlobWriter(repository);
    const blobs = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? randomBytes(20_000) : Buffer.alloc(30_000, i)));
    const ids = await Promise.all(blobs.map((b) => writer.saveData(b)));
    await writer.flush();
    const reopened = await Repository.open(backend, { password: 'correct horse' });
    await reopened.loadIndex();
    for (const [i, id] of ids.entries()) expect((await reopened.loadBlob(id)).equals(blobs[i]!)).toBe(true);
    const packs = [...backend.objects.keys()].filter((k) => k.startsWith('data/'));
    expect(packs.length).toBeGreaterThan(1);
    for (const key of packs) {
      const bytes = backend.objects.get(key)!;
      const header = parsePackHeader(repository.masterKey, bytes, bytes.length);
      expect(Array.isArray(header)).toBe(true);
    }
  });

  it('stores a blob once however often it is saved', async () => {
    const { backend, repository } = await fresh();
    const writer = new BlobWriter(repository);
    const data = randomBytes(50_000);
    for (let i = 0; i < 5; i++) await writer.saveData(data);
    await writer.flush();
    const stored = [...backend.objects].filter(([k]) => k.startsWith('data/')).reduce((n, [, b]) => n + b.length, 0);
    expect(stored).toBeLessThan(2 * data.length);
  });

  it('detects a flipped byte in a blob', async () => {
    const { backend, repository } = await fresh();
    const writer = new BlobWriter(repository);
    const id = await writer.saveData(randomBytes(10_000));
    await writer.flush();
    const location = repository.index.get(id)!;
    const pack = backend.objects.get(packKey(location.pack))!;
    pack[location.offset + 100]! ^= 0x01;
    await expect(repository.loadBlob(id)).rejects.toThrow(/authentication failed/);
  });

  it('finds every blob from the pack headers when an index file is damaged', async () => {
    const { backend, repository } = await fresh();
    const writer = new BlobWriter(repository);
    const data = randomBytes(10_000);
    const id = await writer.saveData(data);
    await writer.flush();
    const indexKey = [...backend.objects.keys()].find((k) => k.startsWith('index/'))!;
    backend.objects.get(indexKey)![40]! ^= 0xff;
    const reopened = await Repository.open(backend, { password: 'correct horse' });
    const report = await reopened.loadIndex();
    expect(report.damaged.map((d) => d.key)).toEqual([indexKey]);
    expect(report.recoveredPacks).toBe(1);
    expect((await reopened.loadBlob(id)).equals(data)).toBe(true);
  });
});

describe('locks', () => {
  it('lets shared locks coexist and keeps an exclusive lock out while they are held', async () => {
    const { repository } = await fresh();
    const a = await Lock.acquire(repository, 'backup', 'shared');
    const b = await Lock.acquire(repository, 'backup', 'shared');
    await expect(Lock.acquire(repository, 'prune', 'exclusive')).rejects.toThrow(/locked by backup/);
    await a.release();
    await b.release();
    const exclusive = await Lock.acquire(repository, 'prune', 'exclusive');
    await expect(Lock.acquire(repository, 'backup', 'shared')).rejects.toThrow(/locked exclusively by prune/);
    await exclusive.release();
    expect(await listLocks(repository)).toEqual([]);
  });

  it('lets one maintenance run (forget, prune) go beside backups, but not two, and keeps its session through refreshes', async () => {
    const { repository } = await fresh();
    const backup = await Lock.acquire(repository, 'backup', 'shared');
    const prune = await Lock.acquire(repository, 'prune', 'maintenance');
    await expect(Lock.acquire(repository, 'forget', 'maintenance')).rejects.toThrow(/locked by prune/);
    await expect(Lock.acquire(repository, 'key add', 'exclusive')).rejects.toThrow(/locked by/);
    const another = await Lock.acquire(repository, 'backup', 'shared');
    await backup.refresh();
    const sessions = (await listLocks(repository)).map((l) => l.session);
    expect(new Set(sessions)).toEqual(new Set([backup.session, prune.session, another.session]));
    for (const lock of [backup, prune, another]) await lock.release();
    expect(await listLocks(repository)).toEqual([]);
  });

  it('treats a lock of a dead process on this host, or an old one, as stale', async () => {
    const { repository } = await fresh();
    const { hostname } = await import('node:os');
    await repository.saveMetadata('locks', 'lock', { version: 1, exclusive: true, time: new Date().toISOString(), host: hostname(), pid: 2 ** 22 + 12345, username: 'x', operation: 'prune' });
    await repository.saveMetadata('locks', 'lock', { version: 1, exclusive: true, time: new Date(Date.now() - 3_600_000).toISOString(), host: 'elsewhere', pid: 1, username: 'x', operation: 'prune' });
    const locks = await listLocks(repository);
    expect(locks.map((l) => l.stale)).toEqual([true, true]);
    const shared = await Lock.acquire(repository, 'backup', 'shared');
    await shared.release();
  });
});

describe('blob writer under concurrent callers', () => {
  it('indexes every blob it accepted, however the adds interleave', async () => {
    const { backend, repository } = await fresh({ packSize: 64 * 1024 });
    const writer = new BlobWriter(repository);
    const { sealBlob } = await import('./blob.ts');
    // Two producers, like two sealing workers, with blobs that often overflow a pack.
    const produce = async (seed: number) => {
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const data = randomBytes(1000 + ((i * 7919 + seed) % 40_000));
        const blob = sealBlob(repository.masterKey, data);
        ids.push(blob.id);
        await writer.add('data', blob);
      }
      return ids;
    };
    const ids = (await Promise.all([produce(1), produce(2), produce(3)])).flat();
    await writer.flush();
    const reopened = await Repository.open(backend, { password: 'correct horse' });
    await reopened.loadIndex();
    for (const id of ids) expect(reopened.index.has(id), id).toBe(true);
  });
});
