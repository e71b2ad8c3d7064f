/**
 * An open repository: the master key, the config, and the index. Everything that reads or
 * writes the format goes through here; the storage backend below only moves bytes.
 */
import { randomBytes } from 'node:crypto';
import type { Backend } from '../storage/backend.ts';
import { UsageError } from '../core/errors.ts';
import { BlobDamaged, unsealBlob } from './blob.ts';
import { applyDelta, decodeDelta, type Delta } from './delta.ts';
import { FORMAT_VERSION, newRepositoryConfig, type RepositoryConfig } from './config.ts';
import { RepositoryDamaged, RepositoryNotFound, UnsupportedFormat, WrongPassword } from './errors.ts';
import { sha256, type Id } from './hash.ts';
import { KEY_FORMAT_VERSION, unwrapMasterKey, wrapMasterKey, type Credentials, type KeyFile, type NewCredential } from './keys.ts';
import { INDEX_VERSION, MasterIndex, type BlobLocation, type IndexFile } from './master-index.ts';
import { sealJson, unsealJson } from './metadata.ts';
import { headerReadSize, packKey, parsePackHeader, type PackedBlob } from './pack.ts';
import { PackWindows } from './pack-windows.ts';
import { decodeTree, type Tree } from './tree.ts';

/** A bound on a delta chain when reading: writers cut chains at MAX_DEPTH; this only stops a damaged repository looping. */
const MAX_CHAIN = 1024;

export interface IndexProblem {
  readonly key: string;
  readonly message: string;
}

export interface IndexLoadReport {
  readonly indexFiles: number;
  readonly damaged: readonly IndexProblem[];
  /** Packs no readable index covered, whose headers were read instead. */
  readonly recoveredPacks: number;
}

/** What a sealed metadata object is: the kind is bound into its encryption, so one cannot pass for another. */
export type MetadataKind = 'index' | 'snapshot' | 'lock' | 'hold' | 'drill';

export class Repository {
  readonly backend: Backend;
  readonly config: RepositoryConfig;
  /** The key file this session opened the repository with. */
  readonly keyId: Id;
  readonly masterKey: Buffer;
  index = new MasterIndex();
  private indexLoaded: IndexLoadReport | undefined;
  private readonly windows: PackWindows;

  private constructor(backend: Backend, config: RepositoryConfig, masterKey: Buffer, keyId: Id) {
    this.backend = backend;
    this.config = config;
    this.masterKey = masterKey;
    this.keyId = keyId;
    this.windows = new PackWindows(backend);
  }

  static async init(backend: Backend, credential: NewCredential, options: Parameters<typeof newRepositoryConfig>[0] = {}): Promise<Repository> {
    if (await exists(backend, 'config')) {
      throw new UsageError(`repository ${backend.location} already exists`, { hint: 'use it as is, or choose another location' });
    }
    // A second master key beside existing data would make every snapshot there unreadable.
    const found = await repositoryFiles(backend);
    if (found.length > 0) {
      throw new UsageError(`${backend.location} already holds repository files (${found.join(', ')}) but no config: init refuses to write a second key over them`, {
        hint: `this repository is damaged, not empty: run \`strata repair config --repo ${backend.location}\` with one of its passwords, or restore its config file from a copy of this storage; choose an empty location for a new repository`,
      });
    }
    const masterKey = randomBytes(32);
    const config = newRepositoryConfig(options);
    const keyId = await saveKeyFile(backend, await wrapMasterKey(masterKey, credential));
    // The config is written last: a repository without one does not exist yet.
    await backend.save('config', sealJson(masterKey, 'config', config));
    return new Repository(backend, config, masterKey, keyId);
  }

  static async open(backend: Backend, credentials: Credentials): Promise<Repository> {
    if (!(await exists(backend, 'config'))) {
      const found = await repositoryFiles(backend);
      if (found.length > 0) {
        throw new RepositoryDamaged(`repository ${backend.location} has no config object, though it holds ${found.join(', ')}: it is damaged`, {
          hint: `do not run \`strata init\` there. Restore the file config from a copy of this storage, or run \`strata repair config --repo ${backend.location}\` with one of its passwords`,
        });
      }
      throw new RepositoryNotFound(`no repository at ${backend.location}`, { hint: `create one with: strata init --repo ${backend.location}` });
    }
    if (credentials.password === undefined && (credentials.identities ?? []).length === 0) {
      throw new UsageError(`repository ${backend.location}: no password or age identity given`, {
        hint: 'pass --password-file FILE, set STRATA_PASSWORD_FILE or STRATA_PASSWORD, or pass --identity-file FILE for an age key',
      });
    }
    const { masterKey, keyId } = await Repository.unlock(backend, credentials);
    let config: RepositoryConfig;
    try {
      config = unsealJson(masterKey, 'config', await backend.load('config')) as RepositoryConfig;
    } catch (error) {
      throw new RepositoryDamaged(`repository ${backend.location}: the config object is damaged: ${(error as Error).message}`, {
        cause: error,
        hint: `restore the file config from a copy of this storage, or run \`strata repair config --repo ${backend.location}\``,
      });
    }
    if (config.version > FORMAT_VERSION) throw newerFormat(backend, config.version);
    return new Repository(backend, config, masterKey, keyId);
  }

  /**
   * The master key, from the first key file these credentials open. Damaged key files are
   * told apart from a wrong password: a key file is named by the SHA-256 of its bytes.
   */
  static async unlock(backend: Backend, credentials: Credentials): Promise<{ masterKey: Buffer; keyId: Id }> {
    const damaged: string[] = [];
    for await (const key of listKeyFiles(backend)) {
      if ('damaged' in key) {
        damaged.push(`keys/${key.id} (${key.damaged})`);
        continue;
      }
      if (key.file.version > KEY_FORMAT_VERSION) throw newerFormat(backend, key.file.version);
      const masterKey = await unwrapMasterKey(key.file, credentials);
      if (masterKey !== undefined) return { masterKey, keyId: key.id };
    }
    if (damaged.length > 0) {
      throw new RepositoryDamaged(`repository ${backend.location}: no intact key file opens with this password or identity, and key file ${damaged.join(', ')} is damaged`, {
        hint: 'if it was this password\'s key, restore that file from a copy of this storage; otherwise open with another password (`strata key list` shows the keys)',
      });
    }
    throw new WrongPassword(`repository ${backend.location}: wrong password or identity (no key file opens with it)`, {
      hint: 'check --password-file / STRATA_PASSWORD; `strata key list` shows which kinds of keys exist',
    });
  }

  /**
   * Writes a new config for a repository whose config is lost or damaged, after proving that
   * the key opens its data. What cannot be recovered is new: the repository ID and the
   * chunker's seed (the next backups of changed files store their chunks once more).
   */
  static async repairConfig(backend: Backend, credentials: Credentials): Promise<{ repository: Repository; replaced: boolean; proof: string }> {
    const { masterKey, keyId } = await Repository.unlock(backend, credentials);
    let replaced = false;
    if (await exists(backend, 'config')) {
      try {
        unsealJson(masterKey, 'config', await backend.load('config'));
        throw new UsageError(`repository ${backend.location}: its config is intact; there is nothing to repair`);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        replaced = true;
      }
    }
    const proof = await proveKey(backend, masterKey);
    const config = newRepositoryConfig();
    await backend.save('config', sealJson(masterKey, 'config', config));
    return { repository: new Repository(backend, config, masterKey, keyId), replaced, proof };
  }

  /** Loads every index file; packs that no readable index covers have their headers read. */
  async loadIndex(options: { force?: boolean } = {}): Promise<IndexLoadReport> {
    if (this.indexLoaded !== undefined && options.force !== true) return this.indexLoaded;
    const index = new MasterIndex();
    const damaged: IndexProblem[] = [];
    let indexFiles = 0;
    for await (const object of this.backend.list('index/')) {
      indexFiles++;
      try {
        const file = this.unsealMetadata('index', await this.backend.load(object.key)) as IndexFile;
        if (file.version > INDEX_VERSION) throw newerFormat(this.backend, file.version, INDEX_VERSION);
        for (const pack of file.packs) index.addPack(pack);
      } catch (error) {
        if (error instanceof UnsupportedFormat) throw error;
        damaged.push({ key: object.key, message: (error as Error).message });
      }
    }
    let recoveredPacks = 0;
    if (damaged.length > 0) {
      for await (const pack of this.backend.list('data/')) {
        const id = pack.key.slice(pack.key.lastIndexOf('/') + 1);
        if (index.hasPack(id)) continue;
        try {
          index.addPack({ id, size: pack.size, blobs: await this.readPackHeader(id, pack.size) });
          recoveredPacks++;
        } catch (error) {
          damaged.push({ key: pack.key, message: `pack header unreadable: ${(error as Error).message}` });
        }
      }
    }
    this.index = index;
    this.indexLoaded = { indexFiles, damaged, recoveredPacks };
    return this.indexLoaded;
  }

  async readPackHeader(id: Id, size: number): Promise<readonly PackedBlob[]> {
    let want = headerReadSize(size);
    for (let attempt = 0; attempt < 2; attempt++) {
      const tail = await this.backend.load(packKey(id), size - want, want);
      const parsed = parsePackHeader(this.masterKey, tail, size);
      if (!('need' in parsed)) return parsed;
      want = parsed.need;
    }
    throw new Error(`pack ${id}: header larger than announced`);
  }

  /** A blob's plaintext, proven to hash to `id`; for a delta blob, the block its chain rebuilds. */
  async loadBlob(id: Id): Promise<Buffer> {
    const location = this.locate(id);
    if (location.type !== 'delta') return unsealBlob(this.masterKey, location, await this.readStored(location));
    // Down the chain to the whole block, then the deltas applied oldest first. Every link is
    // proven by its own hash, so the block they make is the one that was stored.
    const chain: Delta[] = [];
    let at: Id = id;
    while (this.locate(at).type === 'delta') {
      if (chain.length >= MAX_CHAIN) throw new BlobDamaged(`blob ${id.slice(0, 8)} is damaged: its delta chain is longer than ${MAX_CHAIN}`);
      const delta = await this.loadDelta(at);
      chain.push(delta);
      at = delta.base;
    }
    const base = await this.loadBlob(at);
    const block = Buffer.alloc(chain[0]!.length);
    base.copy(block, 0, 0, Math.min(base.length, block.length));
    for (const delta of chain.reverse()) {
      if (delta.length !== block.length) throw new BlobDamaged(`blob ${id.slice(0, 8)} is damaged: its delta chain changes the block's length`);
      applyDelta(block, delta);
    }
    return block;
  }

  /** The changes a delta blob holds, not yet applied. */
  async loadDelta(id: Id): Promise<Delta> {
    const location = this.locate(id);
    const plaintext = unsealBlob(this.masterKey, location, await this.readStored(location));
    try {
      return decodeDelta(plaintext);
    } catch (error) {
      throw new BlobDamaged(`blob ${id.slice(0, 8)} is damaged: ${(error as Error).message}`, { cause: error });
    }
  }

  private locate(id: Id): BlobLocation {
    const location = this.index.get(id);
    if (location === undefined) throw new RepositoryDamaged(`blob ${id.slice(0, 8)} is in no index: the data it holds is missing`);
    return location;
  }

  private readStored(location: BlobLocation): Promise<Uint8Array> {
    const packSize = this.index.packs().get(location.pack) ?? location.offset + location.length;
    return this.windows.read(location.pack, location.offset, location.length, packSize);
  }

  async loadTree(id: Id): Promise<Tree> {
    return decodeTree(await this.loadBlob(id));
  }

  sealMetadata(kind: MetadataKind, value: unknown): Buffer {
    return sealJson(this.masterKey, kind, value);
  }

  unsealMetadata(kind: MetadataKind, bytes: Uint8Array): unknown {
    return unsealJson(this.masterKey, kind, bytes);
  }

  /** Writes a sealed metadata object under `prefix/` named by its hash; returns the ID. */
  async saveMetadata(prefix: 'index' | 'snapshots' | 'locks', kind: 'index' | 'snapshot' | 'lock', value: unknown): Promise<Id> {
    const bytes = this.sealMetadata(kind, value);
    const id = sha256(bytes);
    await this.backend.save(`${prefix}/${id}`, bytes);
    return id;
  }

  async addKey(credential: NewCredential): Promise<Id> {
    return saveKeyFile(this.backend, await wrapMasterKey(this.masterKey, credential));
  }
}

function newerFormat(backend: Backend, version: number, supported = FORMAT_VERSION): UnsupportedFormat {
  return new UnsupportedFormat(`repository ${backend.location}: format version ${version} is newer than this strata supports (${supported})`, {
    hint: 'upgrade strata to a release that reads this format',
  });
}

async function exists(backend: Backend, key: string): Promise<boolean> {
  try {
    await backend.stat(key);
    return true;
  } catch (error) {
    if (backend.isNotFound(error)) return false;
    throw error;
  }
}

async function saveKeyFile(backend: Backend, file: KeyFile): Promise<Id> {
  const bytes = Buffer.from(JSON.stringify(file, null, 2));
  const id = sha256(bytes);
  await backend.save(`keys/${id}`, bytes);
  return id;
}

export type StoredKey = { readonly id: Id; readonly file: KeyFile } | { readonly id: Id; readonly damaged: string };

/** Every key file; a damaged one (it opens nothing, others may still work) says why. */
export async function* listKeyFiles(backend: Backend): AsyncIterable<StoredKey> {
  for await (const object of backend.list('keys/')) {
    const id = object.key.slice('keys/'.length);
    const bytes = await backend.load(object.key);
    if (sha256(bytes) !== id) {
      yield { id, damaged: 'its content does not match its name' };
      continue;
    }
    try {
      const file = JSON.parse(Buffer.from(bytes).toString('utf8')) as KeyFile;
      if (typeof file.wrapped !== 'string' || (file.kind !== 'password' && file.kind !== 'age')) throw new Error('not a key file');
      yield { id, file };
    } catch (error) {
      yield { id, damaged: `it does not parse: ${(error as Error).message}` };
    }
  }
}

/** The prefixes that hold any repository object, as `keys/…`: proof that a location is a repository. */
async function repositoryFiles(backend: Backend): Promise<string[]> {
  const found: string[] = [];
  for (const prefix of ['keys/', 'snapshots/', 'index/', 'data/']) {
    const listing = backend.list(prefix)[Symbol.asyncIterator]();
    const first = await listing.next();
    await listing.return?.();
    if (first.done !== true) found.push(`${prefix}…`);
  }
  return found;
}

/** Shows that the master key is this repository's: an index or snapshot object opens with it. */
async function proveKey(backend: Backend, masterKey: Buffer): Promise<string> {
  for (const [prefix, kind] of [['snapshots/', 'snapshot'], ['index/', 'index']] as const) {
    for await (const object of backend.list(prefix)) {
      try {
        unsealJson(masterKey, kind, await backend.load(object.key));
        return `${object.key} opens with the key`;
      } catch {
        continue; // a damaged object proves nothing; try the next
      }
    }
  }
  if ((await repositoryFiles(backend)).some((p) => p !== 'keys/…')) {
    throw new RepositoryDamaged(`repository ${backend.location}: no snapshot or index object opens with this key, so a new config could make things worse`, {
      hint: 'this key does not belong to this data; try another password, or restore the config from a copy of this storage',
    });
  }
  return 'the repository holds no data yet';
}
