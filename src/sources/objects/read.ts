/**
 * Reads the objects of a snapshot back, typed by the record the backup wrote: a file of
 * lines per type (objects/TYPE/objects.jsonl, stored in groups), or, in snapshots taken
 * before groups, a file per object. Blobs are fetched a window at a time, in order.
 */
import { objectKey, typeName, type KubeObject, type ResourceType } from '../../core/objects/types.ts';
import { sha256, type Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { groupLines } from './groups.ts';
import { OBJECTS_DIR, objectNameOf, TYPE_FILE, versionedName } from './layout.ts';
import type { ObjectsRecord } from './record.ts';

export interface StoredObject {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

/** Blobs loaded at once: enough to hide storage latency, few enough to bound memory. */
const WINDOW = 32;

/** The objects/ tree of a snapshot, or undefined when it has none. */
export async function objectsTree(repository: Repository, root: Id): Promise<Id | undefined> {
  return (await repository.loadTree(root)).nodes.find((n) => n.name === OBJECTS_DIR && n.type === 'dir')?.subtree;
}

/** Where one stored object is, without its bytes. */
export interface IndexedObject {
  readonly type: ResourceType;
  /** SHA-256 of the object's stored JSON: equal digests, equal objects. */
  readonly digest: Id;
  /** The blob that holds it (its group, or its own blob in the old layout) and where in it. */
  readonly blob: Id;
  readonly offset: number;
  readonly length: number;
}

/** Every object of a snapshot by key ("deployments.apps/shop/web") with where it is stored. */
export async function indexObjects(repository: Repository, root: Id, record: ObjectsRecord): Promise<Map<string, IndexedObject>> {
  const index = new Map<string, IndexedObject>();
  for await (const [key, entry] of indexTypes(repository, root, preferredTypes(record))) index.set(key, entry);
  return index;
}

/** With --all-versions: each object's other stored versions, by key and then version. */
export async function indexOtherVersions(repository: Repository, root: Id, record: ObjectsRecord): Promise<Map<string, Map<string, IndexedObject>>> {
  const others = new Map<string, Map<string, IndexedObject>>();
  const names = new Map(record.types.flatMap((t) => (t.otherVersions ?? []).map((o) => [versionedName(t, o.version), { ...t, version: o.version, verbs: [] as string[] }] as const)));
  if (names.size === 0) return others;
  for await (const [key, entry] of indexTypes(repository, root, names)) {
    let versions = others.get(key);
    if (versions === undefined) others.set(key, (versions = new Map()));
    versions.set(entry.type.version, entry);
  }
  return others;
}

/** Every stored object at its type's preferred version, type by type, in stored order. */
export async function* readObjects(repository: Repository, root: Id, record: ObjectsRecord): AsyncGenerator<StoredObject> {
  for await (const { type, node } of typeNodes(repository, root, preferredTypes(record))) {
    if (node.type === 'file') {
      for await (const group of inOrder(repository, node.content ?? [])) {
        for (const line of groupLines(group)) yield { type, object: parse(line) };
      }
      continue;
    }
    const entries: IndexedObject[] = [];
    for await (const [, entry] of indexDirectory(repository, type, node)) entries.push(entry);
    const objects = new StoredObjects(repository);
    for (let at = 0; at < entries.length; at += WINDOW) {
      const batch = entries.slice(at, at + WINDOW);
      const loaded = await Promise.all(batch.map((entry) => objects.load(entry)));
      for (const object of loaded) yield { type, object };
    }
  }
}

/** Loads indexed objects; keeps the last few blobs, as neighbours in a group are often asked for together. */
export class StoredObjects {
  private static readonly KEPT = 64;
  private readonly repository: Repository;
  private readonly blobs = new Map<Id, Promise<Buffer>>();

  constructor(repository: Repository) {
    this.repository = repository;
  }

  async load(entry: IndexedObject): Promise<KubeObject> {
    let blob = this.blobs.get(entry.blob);
    if (blob === undefined) {
      blob = this.repository.loadBlob(entry.blob);
      if (this.blobs.size >= StoredObjects.KEPT) this.blobs.delete(this.blobs.keys().next().value!);
    } else {
      this.blobs.delete(entry.blob);
    }
    this.blobs.set(entry.blob, blob);
    return parse((await blob).subarray(entry.offset, entry.offset + entry.length));
  }
}

function parse(bytes: Buffer): KubeObject {
  return JSON.parse(bytes.toString('utf8')) as KubeObject;
}

function preferredTypes(record: ObjectsRecord): Map<string, ResourceType> {
  return new Map(record.types.map((t) => [typeName(t), { ...t, verbs: [] as string[] }]));
}

/** For each named type below objects/: its file, or its directory in the old layout. */
async function* typeNodes(repository: Repository, root: Id, names: ReadonlyMap<string, ResourceType>): AsyncGenerator<{ type: ResourceType; node: TreeNode }> {
  const tree = await objectsTree(repository, root);
  if (tree === undefined) return;
  for (const dir of (await repository.loadTree(tree)).nodes) {
    const type = names.get(dir.name);
    if (type === undefined || dir.type !== 'dir' || dir.subtree === undefined) continue;
    const file = (await repository.loadTree(dir.subtree)).nodes.find((node) => node.name === TYPE_FILE && node.type === 'file');
    yield { type, node: file ?? dir };
  }
}

async function* indexTypes(repository: Repository, root: Id, names: ReadonlyMap<string, ResourceType>): AsyncGenerator<[string, IndexedObject]> {
  for await (const { type, node } of typeNodes(repository, root, names)) {
    if (node.type === 'dir') {
      yield* indexDirectory(repository, type, node);
      continue;
    }
    const content = node.content ?? [];
    let at = 0;
    for await (const group of inOrder(repository, content)) {
      const blob = content[at++]!;
      let offset = 0;
      for (const line of groupLines(group)) {
        const { metadata } = parse(line);
        yield [objectKey(type, metadata.namespace, metadata.name), { type, digest: sha256(line), blob, offset, length: line.length }];
        offset += line.length + 1;
      }
    }
  }
}

/** The old layout: a directory per type, per namespace below it, a file (and blob) per object. */
async function* indexDirectory(repository: Repository, type: ResourceType, dir: TreeNode): AsyncGenerator<[string, IndexedObject]> {
  if (dir.subtree === undefined) return;
  const entry = (namespace: string | undefined, node: TreeNode): [string, IndexedObject] | undefined => {
    const name = objectNameOf(node.name);
    const blob = node.content?.[0];
    return node.type === 'file' && name !== undefined && blob !== undefined && node.content?.length === 1
      ? [objectKey(type, namespace, name), { type, digest: blob, blob, offset: 0, length: node.size ?? 0 }]
      : undefined;
  };
  for (const node of (await repository.loadTree(dir.subtree)).nodes) {
    const found = node.type !== 'dir' || node.subtree === undefined ? [entry(undefined, node)] : (await repository.loadTree(node.subtree)).nodes.map((child) => entry(node.name, child));
    for (const item of found) if (item !== undefined) yield item;
  }
}

/**
 * The blobs, in order, with up to WINDOW of them loading ahead. A load that fails ahead of
 * its turn is reported at its turn (or not at all when the reader stops before it).
 */
async function* inOrder(repository: Repository, ids: readonly Id[]): AsyncGenerator<Buffer> {
  const loading: Promise<Buffer>[] = [];
  let next = 0;
  while (next < ids.length || loading.length > 0) {
    while (next < ids.length && loading.length < WINDOW) {
      const blob = repository.loadBlob(ids[next++]!);
      blob.catch(() => undefined);
      loading.push(blob);
    }
    yield await loading.shift()!;
  }
}
