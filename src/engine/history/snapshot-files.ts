/**
 * The node files of a snapshot's files source that a history names: a walk of the tree
 * under /files, yielding regular files (with their bytes, up to a limit) and symlinks,
 * with their mode and owner. Only tree blobs are read for what the patterns leave out.
 */
import type { PathMatcher } from '../../core/glob.ts';
import type { NodeFileMode } from '../../core/history/node-files.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import { textOf } from '../../repository/tree.ts';

export interface SnapshotFile {
  readonly mode: NodeFileMode;
  readonly size: number;
  /** Absent when the file is larger than the limit. */
  readonly bytes?: Buffer;
}

export async function* snapshotFiles(repository: Repository, root: Id, selected: PathMatcher, maxBytes: number): AsyncGenerator<SnapshotFile> {
  const top = await sourceTree(repository, root, 'files');
  if (top === undefined) return;
  const walk = async function* (tree: Id, at: string): AsyncGenerator<SnapshotFile> {
    for (const node of (await repository.loadTree(tree)).nodes) {
      const path = `${at}/${node.name}`;
      if (node.type === 'dir' && node.subtree !== undefined) {
        yield* walk(node.subtree, path);
        continue;
      }
      if ((node.type !== 'file' && node.type !== 'symlink') || !selected.matches(path)) continue;
      const mode: NodeFileMode = { path, type: node.type, mode: node.mode, uid: node.uid, gid: node.gid, ...(node.type === 'symlink' && { target: node.target ?? textOf(Buffer.from(node.targetBytes ?? '', 'base64')).text }) };
      const size = node.size ?? 0;
      if (node.type === 'symlink' || size > maxBytes) {
        yield { mode, size };
        continue;
      }
      const parts: Buffer[] = [];
      for (const id of node.content ?? []) parts.push(await repository.loadBlob(id));
      yield { mode, size, bytes: Buffer.concat(parts) };
    }
  };
  yield* walk(top, '');
}
