/**
 * `strata copy`: replicate snapshots to a second repository. Copies only blobs the target
 * lacks (re-encrypted with its key), verifies them there, writes the snapshot last, and never
 * deletes anything at the target.
 */
import { sealBlob } from '../repository/blob.ts';
import { BlobWriter } from '../repository/blob-writer.ts';
import type { Id } from '../repository/hash.ts';
import { RepositoryDamaged } from '../repository/errors.ts';
import { Lock } from '../repository/lock.ts';
import type { BlobType } from '../repository/pack.ts';
import type { Repository } from '../repository/repository.ts';
import type { Snapshot, StoredSnapshot } from '../repository/snapshot.ts';
import { listSnapshots, saveSnapshot } from '../repository/snapshots.ts';
import { decodeTree } from '../repository/tree.ts';

export interface CopiedSnapshot {
  readonly source: Id;
  readonly target: Id | null;
  /** 'copied', or 'present' when the target already had it. */
  readonly status: 'copied' | 'present';
  readonly blobsCopied: number;
  readonly bytesCopied: number;
}

function origin(snapshot: StoredSnapshot, repository: Repository): NonNullable<Snapshot['origin']> {
  return snapshot.origin ?? { repository: repository.config.id, snapshot: snapshot.id };
}

/** The manifest as stored: a StoredSnapshot without the ID its storage gave it. */
function manifestOf(snapshot: StoredSnapshot): Snapshot {
  const manifest: { -readonly [K in keyof StoredSnapshot]?: StoredSnapshot[K] } = { ...snapshot };
  delete manifest.id;
  return manifest as Snapshot;
}

export async function copySnapshots(source: Repository, target: Repository, snapshots: readonly StoredSnapshot[]): Promise<CopiedSnapshot[]> {
  const sourceLock = await Lock.acquire(source, 'copy (source)', 'shared');
  const targetLock = await Lock.acquire(target, 'copy', 'shared').catch(async (error: unknown) => {
    await sourceLock.release();
    throw error;
  });
  try {
    await source.loadIndex();
    await target.loadIndex();
    const present = new Set((await listSnapshots(target)).snapshots.map((s) => JSON.stringify(s.origin)));
    const results: CopiedSnapshot[] = [];
    for (const snapshot of snapshots) {
      const from = origin(snapshot, source);
      if (present.has(JSON.stringify(from))) {
        results.push({ source: snapshot.id, target: null, status: 'present', blobsCopied: 0, bytesCopied: 0 });
        continue;
      }
      const writer = new BlobWriter(target);
      const copied: Id[] = [];
      const copyBlob = async (id: Id, type: BlobType): Promise<Buffer> => {
        const data = await source.loadBlob(id);
        await writer.add(type, sealBlob(target.masterKey, data, id));
        copied.push(id);
        return data;
      };
      /** A content blob; a delta as a delta, after the chain below it (the same ID needs the same plaintext). */
      const copyContent = async (id: Id): Promise<void> => {
        if (writer.known(id)) return;
        if (source.index.get(id)?.type !== 'delta') {
          await copyBlob(id, 'data');
          return;
        }
        const delta = await source.loadDelta(id);
        await copyContent(delta.base);
        if ((await writer.saveDelta(delta)) !== id) throw new RepositoryDamaged(`blob ${id.slice(0, 8)}: the delta does not encode to its ID`);
        copied.push(id);
      };
      // An indexed tree at the target implies everything below it is there too: an index
      // is only written after all of its packs, and a tree after its children.
      const visit = async (tree: Id): Promise<void> => {
        if (writer.known(tree)) return;
        for (const node of decodeTree(await copyBlob(tree, 'tree')).nodes) {
          for (const blob of node.content ?? []) await copyContent(blob);
          if (node.type === 'dir' && node.subtree !== undefined) await visit(node.subtree);
        }
      };
      await visit(snapshot.tree);
      await writer.flush();
      // Verify at the target before the snapshot makes the copy visible.
      for (const id of copied) await target.loadBlob(id);
      await targetLock.refresh();
      const targetId = await saveSnapshot(target, { ...manifestOf(snapshot), origin: from });
      present.add(JSON.stringify(from));
      results.push({ source: snapshot.id, target: targetId, status: 'copied', blobsCopied: copied.length, bytesCopied: writer.stats.bytesAdded });
    }
    return results;
  } finally {
    await targetLock.release();
    await sourceLock.release();
  }
}
