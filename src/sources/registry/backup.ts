/**
 * One registry backup: the repositories the entry selects, each tag's manifest (an index's
 * chosen platforms with it), and every config and layer blob once, whatever number of tags,
 * repositories or snapshots use it. A blob the repository already holds (in the newest
 * snapshot of any registry) is taken from there and not fetched: a daily run over an
 * unchanged registry transfers only manifests. A tag gone during the run is a warning; a
 * tag or repository that cannot be read is missed, named, and the snapshot partially failed.
 */
import { OperationError } from '../../core/errors.ts';
import { formatBytes, formatSeconds } from '../../core/format.ts';
import { isOpaqueBlob, manifestRefs, type Descriptor } from '../../core/registry/media-types.ts';
import { globMatcher, newestTags, platformMatcher, platformName, tagMatcher } from '../../core/registry/selection.ts';
import { forEachBounded } from '../../core/bounded.ts';
import type { KubeHttp } from '../../kube/http.ts';
import type { Id } from '../../repository/hash.ts';
import { StreamWriter, type Cutting } from '../../repository/stream-writer.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { Semaphore } from '../../storage/limit.ts';
import { storedWhole } from '../program-output.ts';
import type { BackupContext, SourceBackup } from '../source.ts';
import { RegistryError, type Manifest, type RegistryClient } from './client.ts';
import type { RegistryEntry } from './entry.ts';
import { imageStreamImages, type StreamImage } from './imagestreams.ts';
import { blobNode, layoutIndex, saveLayout } from './layout.ts';
import type { RegistryRecord, RepositoryRecord, TagRecord } from './record.ts';
import { readAll } from './transport.ts';

/** What a run builds on: blobs stored by earlier snapshots, and the snapshot of this registry it compares with. */
export interface RegistryBase {
  readonly stored: ReadonlyMap<string, TreeNode>;
  readonly parent?: Id;
}

/** A tag whose image is fixed by digest (an ImageStream's tag). */
type Pinned = Omit<StreamImage, 'repository'>;

/** Indexes inside indexes are followed this deep at most. */
const MAX_DEPTH = 4;
/** An image config is read whole to find its date. */
const CONFIG_MAX = 4 * 1024 * 1024;

/** Our own mistakes stop the run; anything else (a registry's answer, a broken connection) is one item missed. */
const isBug = (error: unknown) => error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError;

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

class Skipped extends Error {}

export class RegistryBackup {
  private readonly client: RegistryClient;
  private readonly entry: RegistryEntry;
  private readonly context: BackupContext<RegistryBase | undefined>;
  private readonly slots: Semaphore;
  /** Every manifest and blob of this snapshot, by digest, stored once. */
  private readonly nodes = new Map<string, Promise<TreeNode>>();
  private readonly manifests = new Map<string, Promise<Manifest>>();
  /** Configs read to date an image (newest N), kept for storing without a second fetch. */
  private readonly configs = new Map<string, Buffer>();
  private readonly manifestDigests = new Set<string>();
  private readonly missed: string[] = [];
  private readonly skipped: string[] = [];
  private readonly fetched = { blobs: 0, bytes: 0 };
  private readonly progress = { repositories: 0, of: 0, tags: 0, blobs: 0 };
  private readonly keepPlatform: ReturnType<typeof platformMatcher>;

  private readonly kube: () => Promise<KubeHttp>;

  constructor(client: RegistryClient, entry: RegistryEntry, context: BackupContext<RegistryBase | undefined>, kube: () => Promise<KubeHttp>) {
    this.client = client;
    this.kube = kube;
    this.entry = entry;
    this.context = context;
    this.slots = new Semaphore(entry.concurrency);
    this.keepPlatform = platformMatcher(entry.platforms ?? []);
  }

  async run(): Promise<SourceBackup> {
    this.context.progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] registry ${this.client.host}: ${this.progress.repositories} of ${this.progress.of} repositories, ${this.progress.tags} tags, ${this.progress.blobs} blobs, ${formatBytes(this.fetched.bytes)} fetched`);
    let failed: string | undefined;
    const repositories: RepositoryRecord[] = [];
    try {
      await this.client.ping();
      const work = await this.selection();
      this.progress.of = work.size;
      await forEachBounded([...work], this.entry.concurrency, async ([name, pinned]) => {
        const record = await this.repository(name, pinned);
        this.progress.repositories++;
        if (record !== undefined) repositories.push(record);
      });
    } catch (error) {
      if (isBug(error) || this.context.signal?.aborted === true) throw error;
      failed = reason(error);
    }
    repositories.sort((a, b) => (a.name < b.name ? -1 : 1));
    return this.finish(repositories, failed);
  }

  /**
   * The repositories to back up, each with its tags pinned to digests (ImageStreams) or
   * undefined (its tags are listed from the registry).
   */
  private async selection(): Promise<Map<string, Pinned[] | undefined>> {
    const selected = globMatcher(this.entry.repositories ?? [], this.entry.exclude ?? []);
    const work = new Map<string, Pinned[] | undefined>();
    if (this.entry.from === 'imagestreams') {
      const namespaces = globMatcher(this.entry.namespaces ?? [], this.entry.excludeNamespaces ?? []);
      const { images, elsewhere } = await imageStreamImages(await this.kube(), this.client.host, namespaces);
      this.skipped.push(...elsewhere);
      for (const image of images.filter((i) => selected(i.repository))) work.set(image.repository, [...(work.get(image.repository) ?? []), image]);
    } else if (this.entry.from === 'list') {
      for (const name of this.entry.repositories!.filter(selected)) work.set(name, undefined);
    } else {
      const names: string[] = [];
      try {
        for await (const name of this.client.catalog()) names.push(name);
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        throw new OperationError(`the registry does not list its repositories (${error.message})`, { hint: 'name them in repositories: with from: list' });
      }
      for (const name of names.filter(selected).sort()) work.set(name, undefined);
    }
    return work;
  }

  /** A repository's tags: listed by the registry, or pinned to digests by ImageStreams. */
  private async tagged(name: string, pinned: readonly Pinned[] | undefined): Promise<{ tag: string; manifest: Manifest }[] | undefined> {
    const selected = tagMatcher(this.entry.tags, this.entry.excludeTags);
    const found: { tag: string; manifest: Manifest }[] = [];
    if (pinned !== undefined) {
      for (const { tag, digest } of pinned.filter((p) => selected(p.tag)).sort((a, b) => (a.tag < b.tag ? -1 : 1))) {
        try {
          const manifest = await this.client.manifest(name, digest);
          if (manifest === undefined) this.missed.push(`${name}:${tag}: its ImageStream points at ${digest}, which the registry does not have`);
          else found.push({ tag, manifest });
        } catch (error) {
          if (isBug(error)) throw error;
          this.missed.push(`${name}:${tag}: ${reason(error)}`);
        }
      }
      return found;
    }
    const tags: string[] = [];
    try {
      for await (const tag of this.client.tags(name)) if (selected(tag)) tags.push(tag);
    } catch (error) {
      if (isBug(error)) throw error;
      if (error instanceof RegistryError && error.status === 404) this.skipped.push(`${name}: the repository is gone (${error.message})`);
      else this.missed.push(`${name}: ${reason(error)}`);
      return undefined;
    }
    for (const tag of tags.sort()) {
      try {
        const manifest = await this.client.manifest(name, tag);
        if (manifest === undefined) this.skipped.push(`${name}:${tag}: the tag was removed during the run`);
        else found.push({ tag, manifest });
      } catch (error) {
        if (isBug(error)) throw error;
        this.missed.push(`${name}:${tag}: ${reason(error)}`);
      }
    }
    return found;
  }

  private async repository(name: string, pinned: readonly Pinned[] | undefined): Promise<RepositoryRecord | undefined> {
    const found = await this.tagged(name, pinned);
    if (found === undefined) return undefined;
    const chosen = this.entry.newest === undefined ? found : await this.newest(name, found, this.entry.newest);
    const records: TagRecord[] = [];
    for (const { tag, manifest } of chosen) {
      try {
        const kept = await this.storeManifest(name, manifest, 0);
        records.push({ tag, digest: manifest.digest, mediaType: manifest.mediaType, ...kept });
        this.progress.tags++;
      } catch (error) {
        if (isBug(error)) throw error;
        if (error instanceof Skipped) this.skipped.push(`${name}:${tag}: ${error.message}`);
        else this.missed.push(`${name}:${tag}: ${reason(error)}`);
      }
    }
    // A repository none of whose tags was kept (none matched, or each was missed or skipped) is not recorded.
    return records.length === 0 ? undefined : { name, tags: records };
  }

  /** The newest `count` tags by their image's `created` (an index: its newest platform). */
  private async newest(repository: string, found: readonly { tag: string; manifest: Manifest }[], count: number) {
    const dated: { tag: string; created: string | undefined }[] = [];
    for (const { tag, manifest } of found) {
      try {
        dated.push({ tag, created: await this.created(repository, manifest, 0) });
      } catch (error) {
        if (isBug(error)) throw error;
        this.missed.push(`${repository}:${tag}: cannot read its date: ${reason(error)}`);
      }
    }
    const keep = new Set(newestTags(dated, count));
    return found.filter((f) => keep.has(f.tag));
  }

  private async created(repository: string, manifest: Manifest, depth: number): Promise<string | undefined> {
    const refs = this.refs(manifest);
    if (refs.kind === 'index' && depth < MAX_DEPTH) {
      let newest: string | undefined;
      for (const child of refs.manifests.filter((m) => this.keepPlatform(m.platform))) {
        const created = await this.created(repository, await this.child(repository, child), depth + 1);
        if (created !== undefined && (newest === undefined || Date.parse(created) > Date.parse(newest))) newest = created;
      }
      return newest;
    }
    const config = refs.blobs[0];
    if (refs.kind !== 'image' || config === undefined) return undefined;
    const bytes = await this.configBytes(repository, config);
    const created = (JSON.parse(bytes.toString('utf8')) as { created?: unknown }).created;
    return typeof created === 'string' ? created : undefined;
  }

  private async configBytes(repository: string, config: Descriptor): Promise<Buffer> {
    const known = this.reusable(config.digest);
    if (known !== undefined) return storedWhole(this.context.repository, known.content ?? []);
    let bytes = this.configs.get(config.digest);
    if (bytes === undefined) {
      const { stream } = await this.slots.run(() => this.client.blob(repository, config.digest));
      bytes = await readAll(stream, CONFIG_MAX);
      this.configs.set(config.digest, bytes);
    }
    return bytes;
  }

  private refs(manifest: Manifest) {
    let body: unknown;
    try {
      body = JSON.parse(manifest.bytes.toString('utf8'));
    } catch {
      throw new OperationError(`manifest ${manifest.digest} is not JSON`);
    }
    return manifestRefs(manifest.mediaType, body);
  }

  /** A manifest an index names, fetched once per run. */
  private child(repository: string, descriptor: Descriptor): Promise<Manifest> {
    let pending = this.manifests.get(descriptor.digest);
    if (pending === undefined) {
      pending = this.client.manifest(repository, descriptor.digest).then((m) => {
        if (m === undefined) throw new OperationError(`the index names manifest ${descriptor.digest}, which the registry does not have`);
        return { ...m, mediaType: m.mediaType === '' ? descriptor.mediaType : m.mediaType };
      });
      this.manifests.set(descriptor.digest, pending);
      pending.catch(() => this.manifests.delete(descriptor.digest));
    }
    return pending;
  }

  /** Stores a manifest with everything it refers to, children first; says which platforms of an index were kept. */
  private async storeManifest(repository: string, manifest: Manifest, depth: number): Promise<Pick<TagRecord, 'platforms' | 'partial'>> {
    const refs = this.refs(manifest);
    let kept: Pick<TagRecord, 'platforms' | 'partial'> = {};
    if (refs.kind === 'schema1') throw new Skipped('a Docker schema 1 manifest (deprecated since 2017; no registry serves it by digest): not backed up');
    if (refs.kind === 'unknown') throw new Skipped(`a manifest of media type ${manifest.mediaType || '(none)'}: not backed up`);
    if (refs.kind === 'index') {
      if (depth >= MAX_DEPTH) throw new OperationError(`indexes nested deeper than ${MAX_DEPTH}`);
      const children = refs.manifests.filter((m) => this.keepPlatform(m.platform));
      if (children.length === 0) throw new Skipped(`none of its platforms (${refs.manifests.map((m) => platformName(m.platform)).join(', ')}) is one of ${(this.entry.platforms ?? []).join(', ')}`);
      for (const child of children) await this.storeManifest(repository, await this.child(repository, child), depth + 1);
      kept = { platforms: children.map((m) => platformName(m.platform)), ...(children.length < refs.manifests.length && { partial: true }) };
    } else await Promise.all(refs.blobs.map((blob) => this.storeBlob(repository, blob)));
    this.manifestDigests.add(manifest.digest);
    await this.store(manifest.digest, async () => {
      const id = await this.context.writer.saveData(manifest.bytes);
      return blobNode(manifest.digest, manifest.bytes.length, [id]);
    });
    return kept;
  }

  private store(digest: string, make: () => Promise<TreeNode>): Promise<TreeNode> {
    let pending = this.nodes.get(digest);
    if (pending === undefined) {
      pending = make();
      this.nodes.set(digest, pending);
      // A blob that failed may still come whole through another repository's tag.
      pending.catch(() => this.nodes.delete(digest));
    }
    return pending;
  }

  /** A node of a blob stored by an earlier snapshot, when all of its content is still in the repository. */
  private reusable(digest: string): TreeNode | undefined {
    const node = this.context.base?.stored.get(digest);
    return node !== undefined && (node.content ?? []).every((id) => this.context.repository.index.has(id)) ? node : undefined;
  }

  /**
   * A compressed or encrypted layer in pieces of the largest chunk size: it dedups as well
   * as with content-defined chunks (see isOpaqueBlob), with far fewer blobs and so less
   * of the per-blob overhead (nonce, tag, pack header entry) that incompressible bytes cannot hide.
   */
  private cutting(blob: Descriptor): Cutting {
    return isOpaqueBlob(blob.mediaType) ? { kind: 'aligned', size: this.context.repository.config.chunker.maxSize } : { kind: 'content-defined' };
  }

  private storeBlob(repository: string, blob: Descriptor): Promise<TreeNode> {
    return this.store(blob.digest, async () => {
      const known = this.reusable(blob.digest);
      if (known !== undefined) {
        this.progress.blobs++;
        return known;
      }
      const stream = new StreamWriter(this.context.repository, this.context.writer, this.cutting(blob));
      const held = this.configs.get(blob.digest);
      if (held !== undefined) await stream.push(held);
      else {
        await this.slots.run(async () => {
          const { stream: bytes } = await this.client.blob(repository, blob.digest);
          for await (const piece of bytes as AsyncIterable<Buffer>) {
            await stream.push(piece);
            this.fetched.bytes += piece.length;
          }
        });
      }
      const stored = await stream.finish();
      if (stored.size !== blob.size) throw new OperationError(`blob ${blob.digest}: ${stored.size} bytes, where the manifest says ${blob.size}`);
      this.fetched.blobs++;
      this.progress.blobs++;
      return blobNode(blob.digest, stored.size, stored.content);
    });
  }

  private async finish(repositories: RepositoryRecord[], failed: string | undefined): Promise<SourceBackup> {
    const nodes = new Map<string, TreeNode>();
    for (const [digest, pending] of this.nodes) {
      // Everything a recorded tag needs settled before its record was made; what failed is missed already.
      const node = await pending.catch(() => undefined);
      if (node !== undefined) nodes.set(digest, node);
    }
    const sizes = new Map([...nodes].map(([digest, node]) => [digest, node.size ?? 0]));
    const manifests = [...nodes.keys()].filter((digest) => this.manifestDigests.has(digest)).length;
    const bytes = [...sizes.values()].reduce((a, b) => a + b, 0);
    const record: RegistryRecord = {
      url: this.entry.url.replace(/\/+$/, ''), repositories, manifests, blobs: nodes.size - manifests, bytes, fetched: { ...this.fetched },
      missed: this.missed.sort(), skipped: this.skipped.sort(), ...(failed !== undefined && { failed }),
    };
    const node = await saveLayout(this.context.writer, 'registry', nodes, layoutIndex(record, sizes));
    const host = this.client.host;
    return {
      node,
      source: { type: 'registry', record },
      warnings: [
        // The client's messages already name the registry.
        ...(failed === undefined ? [] : [`registry ${host}: nothing backed up: ${failed.replace(`registry ${host}: `, '')}`]),
        ...record.missed.map((m) => `registry ${host}: missed ${m}`),
        ...record.skipped.map((m) => `registry ${host}: skipped ${m}`),
      ],
      failed: failed !== undefined || record.missed.length > 0,
      summary: { files: nodes.size + 2, dirs: 3, bytes },
      ...(this.context.base?.parent !== undefined && { parent: this.context.base.parent }),
    };
  }
}
