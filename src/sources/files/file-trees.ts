/**
 * The `files` source's walker and restorer, lent (through the registry) to sources that
 * hold node directories, the restic/kopia role: a volume read as files is stored exactly
 * like a `files` path, and files whose size, mtime and inode are unchanged since the
 * previous backup of the same directory are not read again.
 */
import { lstatSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { pathMatcher } from '../../core/glob.ts';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import { SealerPool } from '../../repository/sealer/pool.ts';
import type { DirectoryBackup, FileTrees } from '../source.ts';
import { FilesBackup } from './backup.ts';
import { metadataNode } from './node.ts';
import { FilesRestore, type RestoreResult } from './restore.ts';
import { verificationProblems, verifyRestoredTree } from './verify.ts';

async function backupDirectory(repository: Repository, writer: BlobWriter, dir: string, name: string, parentTree: Id | undefined, signal?: AbortSignal): Promise<DirectoryBackup> {
  const stats = lstatSync(dir, { bigint: true });
  if (!stats.isDirectory()) throw new Error(`${dir} is not a directory on this node`);
  const pool = new SealerPool(repository, writer);
  try {
    const result = await new FilesBackup(repository, writer, pool).runDirectory(dir, parentTree, signal);
    const p = result.progress;
    return { node: { ...metadataNode(name, 'dir', stats), subtree: result.tree }, files: p.files, dirs: p.dirs, bytes: p.bytes, warnings: result.warnings, failed: result.failed };
  } finally {
    await pool.close();
  }
}

async function restoreTree(repository: Repository, tree: Id, dir: string, include: readonly string[]): Promise<RestoreResult> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return new FilesRestore(repository, pathMatcher(include)).run(tree, '/', dir);
}

async function verifyTree(repository: Repository, tree: Id, dir: string): Promise<{ files: number; bytes: number; problem?: string }> {
  const result = await verifyRestoredTree(repository, tree, dir);
  return { files: result.files, bytes: result.bytes, ...(result.problems.length > 0 && { problem: verificationProblems(result) }) };
}

export const fileTrees: FileTrees = { backupDirectory, restoreTree, verifyTree };
