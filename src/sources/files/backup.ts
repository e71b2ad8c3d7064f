/**
 * The `files` source: local paths with owner, group, mode and times, incrementally against
 * the parent snapshot (unchanged size, mtime and inode: not read again). File content goes
 * through the sealing workers; directories become tree blobs here.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { SealerPool } from '../../repository/sealer/pool.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { Semaphore } from '../../storage/limit.ts';
import { metadataNode, nodeType, unchanged } from './node.ts';
import { selectPaths, type Selection } from './selection.ts';

export interface FilesProgress {
  files: number;
  dirs: number;
  bytes: number;
  /** Files found by the walk so far, and their bytes: the ETA's denominator. */
  filesSeen: number;
  bytesSeen: number;
  walkDone: boolean;
}

export interface FilesBackupResult {
  /** The tree ID of the file system root, as selected. */
  readonly tree: Id;
  readonly progress: FilesProgress;
  readonly warnings: readonly string[];
  /** Whether some entries could not be read (the snapshot is then partially failed). */
  readonly failed: boolean;
}

/** Files waiting for a worker beyond this many make the walk pause. */
const MAX_QUEUED = 20_000;

export class FilesBackup {
  readonly progress: FilesProgress = { files: 0, dirs: 0, bytes: 0, filesSeen: 0, bytesSeen: 0, walkDone: false };
  private readonly warnings: string[] = [];
  private failed = false;
  private readonly repository: Repository;
  private readonly writer: BlobWriter;
  private readonly pool: SealerPool;
  private readonly fsSlots = new Semaphore(32);

  constructor(repository: Repository, writer: BlobWriter, pool: SealerPool) {
    this.repository = repository;
    this.writer = writer;
    this.pool = pool;
  }

  /** Backs up `paths` (absolute); `parentTree` is the same source's tree in the parent snapshot. */
  async run(paths: readonly string[], parentTree: Id | undefined, signal?: AbortSignal): Promise<FilesBackupResult> {
    const tree = await this.directory('/', selectPaths(paths), parentTree, signal);
    this.progress.walkDone = true;
    return { tree, progress: this.progress, warnings: this.warnings, failed: this.failed };
  }

  private warn(message: string): void {
    this.failed = true;
    this.warnings.push(message);
  }

  private async directory(path: string, selection: Selection, parentTree: Id | undefined, signal?: AbortSignal): Promise<Id> {
    signal?.throwIfAborted();
    const previous = new Map<string, TreeNode>();
    if (parentTree !== undefined && this.repository.index.has(parentTree)) {
      try {
        for (const node of (await this.repository.loadTree(parentTree)).nodes) previous.set(node.name, node);
      } catch {
        // A damaged parent only costs re-reading: compare against nothing.
      }
    }
    let names: string[];
    if (selection.children !== undefined) names = [...selection.children.keys()];
    else {
      try {
        names = await this.fsSlots.run(() => readdir(path));
      } catch (error) {
        this.warn(`${path}: cannot list directory: ${(error as Error).message}`);
        names = [];
      }
    }
    const nodes = await Promise.all(names.map((name) => this.entry(join(path, name), name, selection.children?.get(name), previous.get(name), signal)));
    this.progress.dirs++;
    return this.writer.saveTree(nodes.filter((n): n is TreeNode => n !== undefined));
  }

  private async entry(path: string, name: string, selection: Selection | undefined, previous: TreeNode | undefined, signal?: AbortSignal): Promise<TreeNode | undefined> {
    let stats;
    try {
      stats = await this.fsSlots.run(() => lstat(path, { bigint: true }));
    } catch (error) {
      this.warn(`${path}: ${(error as Error).message}`);
      return undefined;
    }
    const type = nodeType(stats);
    if (type === undefined) return undefined;
    const node = metadataNode(name, type, stats);
    if (type === 'dir') {
      const subtree = await this.directory(path, selection ?? { children: undefined }, previous?.type === 'dir' ? previous.subtree : undefined, signal);
      return { ...node, subtree };
    }
    if (type === 'symlink') {
      try {
        return { ...node, target: await this.fsSlots.run(() => readlink(path)) };
      } catch (error) {
        this.warn(`${path}: cannot read link: ${(error as Error).message}`);
        return undefined;
      }
    }
    if (type !== 'file') return node;
    const identity = { inode: stats.ino.toString(), device: stats.dev.toString(), links: Number(stats.nlink) };
    const size = Number(stats.size);
    this.progress.filesSeen++;
    this.progress.bytesSeen += size;
    if (unchanged(previous, stats) && previous.content.every((id) => this.writer.known(id))) {
      this.progress.files++;
      this.progress.bytes += size;
      return { ...node, ...identity, size, content: previous.content };
    }
    while (this.pool.queued > MAX_QUEUED) await new Promise((resolve) => setTimeout(resolve, 20));
    signal?.throwIfAborted();
    const result = await this.pool.chunkFile(path, size);
    if (result.error !== undefined) {
      this.warn(`${path}: ${result.error}`);
      return undefined;
    }
    this.progress.files++;
    this.progress.bytes += result.size;
    return { ...node, ...identity, size: result.size, content: result.content };
  }
}
