import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject, ResourceType } from '../../core/objects/types.ts';
import { BlobWriter } from '../../repository/blob-writer.ts';
import { sha256, type Id } from '../../repository/hash.ts';
import { directoryNode, recordNode } from '../../repository/item-nodes.ts';
import { Repository } from '../../repository/repository.ts';
import { MemoryBackend } from '../../storage/memory.ts';
import { AVERAGE_EXTRA, endsGroup, groupLines, MAX_GROUP, MIN_GROUP, ObjectGroups } from './groups.ts';
import { OBJECTS_DIR, typeFileNode, typeRecord } from './layout.ts';
import { indexObjects, readObjects, StoredObjects } from './read.ts';
import type { ObjectsRecord } from './record.ts';

const configmaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: [] };

function configMap(namespace: string, name: string, value: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name, uid: sha256(Buffer.from(`${namespace}/${name}`)).slice(0, 36) }, data: { 'app.properties': value } } as KubeObject;
}

/** n ConfigMaps over a few namespaces, in the order an API server lists them. */
function cluster(n: number, value: (i: number) => string = (i) => `level=info\nworkers=${i % 7}\n`.repeat(4)): KubeObject[] {
  return Array.from({ length: n }, (_, i) => configMap(`ns-${String(Math.floor(i / 50)).padStart(3, '0')}`, `config-${String(i % 50).padStart(2, '0')}`, value(i)));
}

async function store(writer: BlobWriter, objects: readonly KubeObject[]) {
  const groups = new ObjectGroups(writer);
  for (const o of objects) await groups.add(Buffer.from(JSON.stringify(o)), `${o.metadata.namespace}/${o.metadata.name}`);
  return groups.finish();
}

async function repository() {
  return Repository.init(new MemoryBackend(), { password: 'groups' });
}

/** A snapshot root holding `objects/` with the given type nodes, and its record. */
async function snapshotOf(writer: BlobWriter, nodes: Parameters<BlobWriter['saveTree']>[0], objects: number): Promise<{ root: Id; record: ObjectsRecord }> {
  const root = await writer.saveTree([directoryNode(OBJECTS_DIR, await writer.saveTree(nodes))]);
  await writer.flush();
  return { root, record: { server: 'https://127.0.0.1:6443', objects, types: [typeRecord(configmaps, objects)], skipped: [], failures: [] } };
}

describe('object groups, pure', () => {
  it('never ends a group before MIN_GROUP bytes, and ends one by the key alone', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: MIN_GROUP - 1 }), fc.integer({ min: 1, max: 10_000 }), (key, before, size) => {
      expect(endsGroup(before, size, key)).toBe(false);
      expect(endsGroup(MIN_GROUP + before, size, key)).toBe(endsGroup(MIN_GROUP + 2 * before, size, key));
    }));
    // An object as large as the average extra ends its group once the minimum is reached.
    expect(endsGroup(MIN_GROUP, AVERAGE_EXTRA, 'any/key')).toBe(true);
  });

  it('splits a group back into its lines and refuses one cut inside an object', () => {
    expect(groupLines(Buffer.from('{"a":1}\n{"b":2}\n')).map(String)).toEqual(['{"a":1}', '{"b":2}']);
    expect(() => groupLines(Buffer.from('{"a":1}\n{"b":'))).toThrow(/ends inside an object \(5 bytes/);
  });
});

describe('object groups in a repository', () => {
  it('stores the objects as lines in groups of bounded size, far smaller than one blob each', async () => {
    const repo = await repository();
    const writer = new BlobWriter(repo);
    const objects = cluster(2_000);
    const stored = await store(writer, objects);
    await writer.flush();
    const lines = objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
    expect(stored.objects).toBe(2_000);
    expect(stored.size).toBe(Buffer.byteLength(lines));
    const groups = await Promise.all(stored.content.map((id) => repo.loadBlob(id)));
    expect(Buffer.concat(groups).toString()).toBe(lines);
    for (const group of groups.slice(0, -1)) {
      expect(group.length).toBeGreaterThanOrEqual(MIN_GROUP);
      expect(group.length).toBeLessThanOrEqual(MAX_GROUP);
    }
    expect(stored.content.length).toBeGreaterThan(lines.length / (MIN_GROUP + 4 * AVERAGE_EXTRA));
    expect(stored.content.length).toBeLessThan(lines.length / MIN_GROUP);

    const alone = new BlobWriter(await repository());
    for (const o of objects) await alone.saveData(Buffer.from(JSON.stringify(o)));
    await alone.flush();
    expect(writer.stats.bytesAdded * 3).toBeLessThan(alone.stats.bytesAdded);
  });

  it('gives a large object a group of its own', async () => {
    const repo = await repository();
    const writer = new BlobWriter(repo);
    const objects = cluster(30, (i) => (i === 10 ? 'x'.repeat(MAX_GROUP + 1) : 'small'));
    const stored = await store(writer, objects);
    await writer.flush();
    const sizes = await Promise.all(stored.content.map(async (id) => groupLines(await repo.loadBlob(id)).length));
    expect(sizes.reduce((a, b) => a + b)).toBe(30);
    expect(sizes).toContain(1);
  });

  it('re-stores only the group of an object that changed, and nothing for an unchanged type', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 999 }), fc.string({ minLength: 1, maxLength: 300 }), async (changed, value) => {
      const writer = new BlobWriter(await repository());
      const before = cluster(1_000);
      const first = await store(writer, before);
      const added = writer.stats.bytesAdded;
      const again = await store(writer, before);
      expect(again.content).toEqual(first.content);
      expect(writer.stats.bytesAdded).toBe(added);

      const after = before.map((o, i) => (i === changed ? configMap(o.metadata.namespace!, o.metadata.name, value) : o));
      const second = await store(writer, after);
      const firstSet = new Set(first.content);
      const fresh = second.content.filter((id) => !firstSet.has(id));
      // The changed object's group, or at most that group and the next when it moved a cut.
      expect(fresh.length).toBeGreaterThanOrEqual(1);
      expect(fresh.length).toBeLessThanOrEqual(2);
    }), { numRuns: 15 });
  });
});

describe('reading objects back', () => {
  it('reads and indexes a type\'s file, and finds each object where the index says', async () => {
    const repo = await repository();
    const writer = new BlobWriter(repo);
    const objects = cluster(600);
    const { root, record } = await snapshotOf(writer, [directoryNode('configmaps', await writer.saveTree([typeFileNode(await store(writer, objects))]))], objects.length);
    const read: KubeObject[] = [];
    for await (const stored of readObjects(repo, root, record)) {
      expect(stored.type.resource).toBe('configmaps');
      read.push(stored.object);
    }
    expect(read).toEqual(objects);

    const index = await indexObjects(repo, root, record);
    expect(index.size).toBe(600);
    const loader = new StoredObjects(repo);
    for (const o of [objects[0]!, objects[299]!, objects[599]!]) {
      const entry = index.get(`configmaps/${o.metadata.namespace}/${o.metadata.name}`)!;
      expect(entry.digest).toBe(sha256(Buffer.from(JSON.stringify(o))));
      expect(await loader.load(entry)).toEqual(o);
    }
  });

  it('still reads a snapshot taken before groups: a file and a blob per object', async () => {
    const repo = await repository();
    const writer = new BlobWriter(repo);
    const objects = cluster(120);
    const namespaces = new Map<string, ReturnType<typeof recordNode>[]>();
    for (const o of objects) {
      const bytes = Buffer.from(JSON.stringify(o));
      const nodes = namespaces.get(o.metadata.namespace!) ?? [];
      nodes.push(recordNode(`${o.metadata.name}.json`, await writer.saveData(bytes), bytes.length, undefined));
      namespaces.set(o.metadata.namespace!, nodes);
    }
    const dirs = await Promise.all([...namespaces].map(async ([ns, nodes]) => directoryNode(ns, await writer.saveTree(nodes))));
    const { root, record } = await snapshotOf(writer, [directoryNode('configmaps', await writer.saveTree(dirs))], objects.length);
    const read: KubeObject[] = [];
    for await (const stored of readObjects(repo, root, record)) read.push(stored.object);
    expect(read).toEqual(objects);
    const index = await indexObjects(repo, root, record);
    const entry = index.get(`configmaps/${objects[7]!.metadata.namespace}/${objects[7]!.metadata.name}`)!;
    expect(entry.digest).toBe(sha256(Buffer.from(JSON.stringify(objects[7]))));
    expect(await new StoredObjects(repo).load(entry)).toEqual(objects[7]);
  });
});
