/**
 * Checks a restored directory against the snapshot's tree it came from: every file there,
 * of the recorded size, each of its chunks hashing to the blob ID recorded for it (a blob's
 * ID is the SHA-256 of its plaintext), every directory and symlink present. Reads each file
 * once, sequentially. What differs is named, up to a few, with how many in all.
 */
import { createHash } from 'node:crypto';
import { lstat, open, readlink } from 'node:fs/promises';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import { nodeName, nodeTarget } from '../../repository/tree.ts';
import { childPath, displayPath, type FsPath } from './fs-path.ts';

export interface TreeVerification {
  files: number;
  dirs: number;
  bytes: number;
  readonly problems: string[];
}

const NAMED = 5;
const READ = 1024 * 1024;

export async function verifyRestoredTree(repository: Repository, tree: Id, dir: FsPath): Promise<TreeVerification> {
  const result: TreeVerification = { files: 0, dirs: 0, bytes: 0, problems: [] };
  await walk(repository, tree, dir, result);
  return result;
}

async function walk(repository: Repository, tree: Id, dir: FsPath, result: TreeVerification): Promise<void> {
  for (const node of (await repository.loadTree(tree)).nodes) {
    const path = childPath(dir, nodeName(node));
    const stats = await lstat(path).catch(() => undefined);
    if (stats === undefined) {
      result.problems.push(`${displayPath(path)}: missing`);
      continue;
    }
    if (node.type === 'dir') {
      if (!stats.isDirectory()) result.problems.push(`${displayPath(path)}: not a directory`);
      else {
        result.dirs++;
        if (node.subtree !== undefined) await walk(repository, node.subtree, path, result);
      }
    } else if (node.type === 'symlink') {
      const target = stats.isSymbolicLink() ? await readlink(path, { encoding: 'buffer' }) : undefined;
      if (target === undefined || !target.equals(Buffer.from(nodeTarget(node)))) result.problems.push(`${displayPath(path)}: symlink target differs`);
    } else if (node.type === 'file') {
      result.files++;
      if (!stats.isFile() || stats.size !== (node.size ?? 0)) {
        result.problems.push(`${displayPath(path)}: ${stats.isFile() ? `${stats.size} bytes, the snapshot recorded ${node.size ?? 0}` : 'not a regular file'}`);
        continue;
      }
      const wrong = await wrongChunk(repository, node.content ?? [], path);
      if (wrong !== undefined) result.problems.push(`${displayPath(path)}: ${wrong}`);
      result.bytes += stats.size;
    }
  }
}

/** The first chunk whose bytes do not hash to the recorded blob ID, if any. */
async function wrongChunk(repository: Repository, blobs: readonly Id[], path: FsPath): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ);
    let position = 0;
    for (const [i, id] of blobs.entries()) {
      const length = repository.index.get(id)?.rawLength;
      if (length === undefined) return `chunk ${i} (blob ${id.slice(0, 8)}) is in no index`;
      const hash = createHash('sha256');
      for (let left = length; left > 0;) {
        const { bytesRead } = await file.read(buffer, 0, Math.min(READ, left), position);
        if (bytesRead === 0) return `ends inside chunk ${i}`;
        hash.update(buffer.subarray(0, bytesRead));
        position += bytesRead;
        left -= bytesRead;
      }
      if (hash.digest('hex') !== id) return `chunk ${i} at byte ${position - length} differs from the snapshot (blob ${id.slice(0, 8)})`;
    }
    return undefined;
  } finally {
    await file.close();
  }
}

/** "3 of 1200 files differ: a: …; b: …" */
export function verificationProblems(result: TreeVerification): string {
  const shown = result.problems.slice(0, NAMED).join('; ');
  return `${result.problems.length} problem(s) in ${result.files} files: ${shown}${result.problems.length > NAMED ? '; …' : ''}`;
}
