/**
 * A volume backed by a node directory (hostPath or local PV) read as files, the restic/kopia
 * role: the directory's content goes into the repository like the `files` source's, and
 * files whose size, mtime and inode are unchanged since the claim's previous file-level
 * backup are not read again. The directory is read at HOST_ROOT + path, so an agent on the
 * node (a DaemonSet pod with the host's root mounted read-only) reads what the kubelet sees.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { Repository } from '../../repository/repository.ts';
import { SealerPool } from '../../repository/sealer/pool.ts';
import { FilesBackup } from '../../sources/files/backup.ts';
import { metadataNode } from '../../sources/files/node.ts';
import type { DirectoryRead, DirectoryReadRequest } from '../../sources/volumes/backup.ts';

/** The volumes source's directory reader: the `files` source's walker, below `hostRoot`. */
export async function backupDirectory(repository: Repository, writer: BlobWriter, hostRoot: string, request: DirectoryReadRequest): Promise<DirectoryRead> {
  const dir = join(hostRoot, request.path);
  const stats = lstatSync(dir, { bigint: true });
  if (!stats.isDirectory()) throw new Error(`${dir} is not a directory on this node`);
  const pool = new SealerPool(repository, writer);
  try {
    const result = await new FilesBackup(repository, writer, pool).runDirectory(dir, request.parentTree);
    const p = result.progress;
    return {
      node: { ...metadataNode(request.claim, 'dir', stats), subtree: result.tree },
      record: { path: request.path, ...(request.node !== undefined && { node: request.node }), files: p.files, dirs: p.dirs, bytes: p.bytes, incremental: request.parentTree !== undefined },
      warnings: result.warnings,
      failed: result.failed,
    };
  } finally {
    await pool.close();
  }
}
