/**
 * `strata diff`: objects added, removed and changed between a snapshot and the live
 * cluster (or a second snapshot), with field-level changes and volatile fields ignored.
 * Only keys and digests are held; objects are read when they need comparing.
 */
import { diffObjects, type FieldChange } from '../../core/objects/diff.ts';
import { namespaceSelected, typeSelected, type ObjectFilters } from '../../core/objects/filters.ts';
import { objectKey, typeName, type KubeObject } from '../../core/objects/types.ts';
import { forEachBounded } from '../../core/bounded.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { sha256 } from '../../repository/hash.ts';
import { Lock } from '../../repository/lock.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { ClusterReader, failureText } from './cluster-reader.ts';
import { indexObjects, StoredObjects, type IndexedObject } from './read.ts';
import { requireObjectsRecord } from './record.ts';

export interface ChangedObject {
  readonly key: string;
  readonly changes: readonly FieldChange[];
}

export interface DriftReport {
  /** What the comparison is against: "live" or a snapshot ID. */
  readonly against: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly ChangedObject[];
  readonly unchanged: number;
  /** Live objects of types the snapshot did not back up at all (a type added since, or left out): not drift, a gap. */
  readonly notCovered: readonly string[];
  /** What could not be read; objects of these types are not reported as removed. */
  readonly warnings: readonly string[];
}

async function snapshotIndex(repository: Repository, snapshot: StoredSnapshot, filters: ObjectFilters): Promise<Map<string, IndexedObject>> {
  const index = await indexObjects(repository, snapshot.tree, requireObjectsRecord(snapshot));
  for (const [key, { type }] of index) {
    const parts = key.split('/');
    const namespace = type.namespaced ? parts[1]! : type.group === '' && type.resource === 'namespaces' ? parts[1]! : undefined;
    if (!typeSelected(filters, type) || (namespace !== undefined && !namespaceSelected(filters, namespace))) index.delete(key);
  }
  return index;
}

function report(against: string, added: string[], removed: string[], changed: ChangedObject[], unchanged: number, warnings: string[], notCovered: string[] = []): DriftReport {
  const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { against, added: added.sort(byKey), removed: removed.sort(byKey), changed: changed.sort((a, b) => byKey(a.key, b.key)), unchanged, notCovered: notCovered.sort(byKey), warnings };
}

export async function diffAgainstSnapshot(repository: Repository, before: StoredSnapshot, after: StoredSnapshot, filters: ObjectFilters): Promise<DriftReport> {
  await repository.loadIndex();
  const a = await snapshotIndex(repository, before, filters);
  const b = await snapshotIndex(repository, after, filters);
  const added: string[] = [];
  const changed: ChangedObject[] = [];
  let unchanged = 0;
  const candidates: [string, IndexedObject, IndexedObject][] = [];
  for (const [key, entry] of b) {
    const old = a.get(key);
    if (old === undefined) added.push(key);
    else if (old.digest === entry.digest) unchanged++;
    else candidates.push([key, old, entry]);
  }
  const removed = [...a.keys()].filter((key) => !b.has(key));
  const objects = new StoredObjects(repository);
  await forEachBounded(candidates, 16, async ([key, old, entry]) => {
    const changes = diffObjects(await objects.load(old), await objects.load(entry));
    if (changes.length === 0) unchanged++;
    else changed.push({ key, changes });
  });
  return report(after.id, added, removed, changed, unchanged, []);
}

export async function diffAgainstLive(repository: Repository, snapshot: StoredSnapshot, http: KubeHttp, filters: ObjectFilters, labelSelector?: string): Promise<DriftReport> {
  const lock = await Lock.acquire(repository, 'diff', 'shared');
  let index: Map<string, IndexedObject>;
  try {
    await repository.loadIndex();
    index = await snapshotIndex(repository, snapshot, filters);
  } finally {
    await lock.release();
  }
  const reader = new ClusterReader({ http, filters, unknownTypes: 'error', ...(labelSelector !== undefined && { labelSelector }) });
  const { first, rest } = await reader.types();
  const covered = new Set(requireObjectsRecord(snapshot).types.map((t) => typeName(t)));
  const notCovered: string[] = [];
  const added: string[] = [];
  const changed: ChangedObject[] = [];
  const incomplete = new Set<string>();
  let unchanged = 0;
  const stored = new StoredObjects(repository);
  await forEachBounded([...first, ...rest], 4, async (type) => {
    const complete = await reader.read(type, async (objects: readonly KubeObject[]) => {
      for (const live of objects) {
        const key = objectKey(type, live.metadata.namespace, live.metadata.name);
        const saved = index.get(key);
        index.delete(key);
        if (saved === undefined) {
          (covered.has(typeName(type)) ? added : notCovered).push(key);
          continue;
        }
        // The digest is the SHA-256 of the stored JSON: equal bytes need no closer look.
        if (sha256(Buffer.from(JSON.stringify(live))) === saved.digest) {
          unchanged++;
          continue;
        }
        const changes = diffObjects(await stored.load(saved), live);
        if (changes.length === 0) unchanged++;
        else changed.push({ key, changes });
      }
    });
    if (!complete) incomplete.add(typeName(type));
  });
  // What is left was not seen live. It counts as removed unless its type could not be read
  // completely (RBAC, an aggregated API that is down): unknown is not absent.
  const removed = [...index]
    .filter(([, entry]) => !incomplete.has(typeName(entry.type)) && !reader.unreadableGroups.has(entry.type.group))
    .map(([key]) => key);
  return report('live', added, removed, changed, unchanged, reader.failures.map(failureText), notCovered);
}
