/**
 * The `files` source: local paths with owner, group, mode and times, incrementally against
 * the parent snapshot (unchanged size, mtime and inode: not read again). File content goes
 * through the sealing workers; directories become tree blobs here.
 */
import { isUtf8 } from 'node:buffer';
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { SealerPool } from '../../repository/sealer/pool.ts';
import { nameKey, nodeName, textOf, type TreeNode } from '../../repository/tree.ts';
import { childPath, displayPath, type FsPath } from './fs-path.ts';
import { metadataNode, nodeType, unchanged } from './node.ts';
import { selectPaths, type Selection } from './selection.ts';

export interface FilesProgress {
  files: number;
  dirs: number;
  bytes: number;
  /** Files found by the walk so far, and their bytes: the ETA's denominator. */
  filesSeen: number;
  /** FIFOs and device nodes: kept as what they are, with no content. */
  specials: number;
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
const MAX_QUEUED = 4_096;
/** The walk lets the event loop run after this many entries. */
const YIELD_EVERY = 256;

export class FilesBackup {
  readonly progress: FilesProgress = { files: 0, dirs: 0, bytes: 0, filesSeen: 0, bytesSeen: 0, specials: 0, walkDone: false };
  private readonly warnings: string[] = [];
  private failed = false;
  private readonly repository: Repository;
  private readonly writer: BlobWriter;
  private readonly pool: SealerPool;
  private sinceYield = 0;

  constructor(repository: Repository, writer: BlobWriter, pool: SealerPool) {
    this.repository = repository;
    this.writer = writer;
    this.pool = pool;
  }

  /** Backs up `paths` (absolute); `parentTree` is the same source's tree in the parent snapshot. */
  async run(paths: readonly string[], parentTree: Id | undefined, signal?: AbortSignal): Promise<FilesBackupResult> {
    const walked = await this.directory('/', selectPaths(paths), parentTree, signal);
    this.progress.walkDone = true;
    const tree = await walked.done;
    return { tree, progress: this.progress, warnings: this.warnings, failed: this.failed };
  }

  /** Backs up everything below one directory (a volume's): the tree is the directory's content. */
  async runDirectory(dir: string, parentTree: Id | undefined, signal?: AbortSignal): Promise<FilesBackupResult> {
    const walked = await this.directory(dir, { children: undefined }, parentTree, signal);
    this.progress.walkDone = true;
    const tree = await walked.done;
    return { tree, progress: this.progress, warnings: this.warnings, failed: this.failed };
  }

  private warn(message: string): void {
    this.failed = true;
    this.warnings.push(message);
  }

  /**
   * Walks one directory depth first with synchronous lstat (a few µs each, where the
   * promise API costs tens), hands its files to the sealing workers, and returns once the
   * walk below it is done. `done` resolves with the tree ID when every file is stored.
   */
  private async directory(path: FsPath, selection: Selection, parentTree: Id | undefined, signal?: AbortSignal): Promise<{ done: Promise<Id> }> {
    const previous = await this.previousNodes(parentTree);
    let names: FsPath[];
    if (selection.children !== undefined) names = [...selection.children.keys()];
    else {
      try {
        names = listNames(path);
      } catch (error) {
        this.warn(`${displayPath(path)}: cannot list directory: ${(error as Error).message}`);
        names = [];
      }
    }
    const children: Promise<TreeNode | undefined>[] = [];
    for (const name of names) {
      if (++this.sinceYield >= YIELD_EVERY) await this.pause(signal);
      const chosen = typeof name === 'string' ? selection.children?.get(name) : undefined;
      const { stored } = await this.entry(childPath(path, name), name, chosen, previous.get(nameKey(name)), signal);
      // Settled later by Promise.all; marked handled now so a failure cannot crash the walk.
      stored.catch(() => undefined);
      children.push(stored);
    }
    const done = Promise.all(children).then((nodes) => {
      this.progress.dirs++;
      return this.writer.saveTree(nodes.filter((n): n is TreeNode => n !== undefined));
    });
    done.catch(() => undefined);
    return { done };
  }

  /** Lets worker messages through, and waits while the workers are far behind the walk. */
  private async pause(signal?: AbortSignal): Promise<void> {
    this.sinceYield = 0;
    await new Promise((resolve) => setImmediate(resolve));
    await this.pool.drained(MAX_QUEUED);
    signal?.throwIfAborted();
  }

  private async previousNodes(parentTree: Id | undefined): Promise<Map<string, TreeNode>> {
    const previous = new Map<string, TreeNode>();
    if (parentTree === undefined || !this.repository.index.has(parentTree)) return previous;
    try {
      for (const node of (await this.repository.loadTree(parentTree)).nodes) previous.set(nameKey(nodeName(node)), node);
    } catch {
      // A damaged parent only costs re-reading: compare against nothing.
    }
    return previous;
  }

  /** The walk part is awaited; `stored` settles when the entry is stored. */
  private async entry(path: FsPath, name: FsPath, selection: Selection | undefined, previous: TreeNode | undefined, signal?: AbortSignal): Promise<{ stored: Promise<TreeNode | undefined> }> {
    const now = (node: TreeNode | undefined) => ({ stored: Promise.resolve(node) });
    let stats: BigIntStats;
    try {
      stats = lstatSync(path, { bigint: true });
    } catch (error) {
      this.warn(`${displayPath(path)}: ${(error as Error).message}`);
      return now(undefined);
    }
    const type = nodeType(stats);
    if (type === 'socket') {
      // A socket belongs to the process listening on it: there is nothing to keep or restore.
      this.warnings.push(`${displayPath(path)}: socket skipped (it is recreated by the program that listens on it)`);
      return now(undefined);
    }
    const node = metadataNode(name, type, stats);
    if (type === 'dir') {
      const walked = await this.directory(path, selection ?? { children: undefined }, previous?.type === 'dir' ? previous.subtree : undefined, signal);
      return { stored: walked.done.then((subtree) => ({ ...node, subtree })) };
    }
    if (type === 'symlink') {
      try {
        const target = textOf(readlinkSync(path, { encoding: 'buffer' }));
        return now({ ...node, target: target.text, ...(target.bytes === undefined ? {} : { targetBytes: target.bytes }) });
      } catch (error) {
        this.warn(`${displayPath(path)}: cannot read link: ${(error as Error).message}`);
        return now(undefined);
      }
    }
    if (type !== 'file') {
      this.progress.specials++;
      return now(node);
    }
    return { stored: this.file(path, node, stats, previous) };
  }

  private async file(path: FsPath, node: TreeNode, stats: BigIntStats, previous: TreeNode | undefined): Promise<TreeNode | undefined> {
    const identity = { inode: stats.ino.toString(), device: stats.dev.toString(), links: Number(stats.nlink) };
    const size = Number(stats.size);
    this.progress.filesSeen++;
    this.progress.bytesSeen += size;
    if (unchanged(previous, stats) && previous.content.every((id) => this.writer.known(id))) {
      this.progress.files++;
      this.progress.bytes += size;
      return { ...node, ...identity, size, content: previous.content };
    }
    const result = await this.pool.chunkFile(path, size);
    if (result.error !== undefined) {
      this.warn(`${displayPath(path)}: ${result.error}`);
      return undefined;
    }
    this.progress.files++;
    this.progress.bytes += result.size;
    return { ...node, ...identity, size: result.size, content: result.content };
  }
}

/**
 * A directory's names: text, except a name that is not valid UTF-8, which stays bytes. Node
 * decodes such a name with U+FFFD in it, so only a directory showing one is listed again as bytes.
 */
function listNames(path: FsPath): FsPath[] {
  const names = readdirSync(path);
  if (!names.some((name) => name.includes('\uFFFD'))) return names;
  return readdirSync(path, { encoding: 'buffer' }).map((raw) => (isUtf8(raw) ? raw.toString('utf8') : raw));
}
