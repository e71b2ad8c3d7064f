/**
 * Restores a tree to a directory: content verified blob by blob, then owner (when root),
 * mode and times, directories last so their times survive their children. Runs of zeros
 * become holes, so sparse files stay sparse; hard links are linked again.
 */
import { close as closeCallback, constants, ftruncate, open as openCallback, readFileSync, write as writeCallback } from 'node:fs';
import { promisify } from 'node:util';
import { dirname } from 'node:path';
import { chmod, lchown, link, mkdir, rename, rm, stat, symlink } from 'node:fs/promises';
import type { PathMatcher } from '../../core/glob.ts';
import type { Repository } from '../../repository/repository.ts';
import type { Id } from '../../repository/hash.ts';
import { nodeName, nodeTarget, type TreeNode } from '../../repository/tree.ts';
import { childPath, type FsPath } from './fs-path.ts';
import { dataRuns } from './holes.ts';
import { makeSpecial, setTimes } from './libc.ts';
import { SmallFileWriter } from './small-file-writer.ts';

/** A directory walked: whether it restores anything, and when everything in it is written (its files, and its subdirectories with their metadata). */
interface Traversed {
  readonly any: boolean;
  readonly done: Promise<void>;
}

/** What restoring a file did: wrote its content (metadata still to set), all of it, or linked it to its inode's first path. */
type Written = 'content' | 'complete' | 'linked';

function isSmall(node: TreeNode): boolean {
  return node.type === 'file' && (node.size ?? 0) <= SMALL_FILE && (node.links ?? 1) < 2;
}

export interface RestoreProgress {
  files: number;
  /** FIFOs and device nodes made again. */
  specials: number;
  dirs: number;
  bytes: number;
}

export interface RestoreResult {
  readonly progress: RestoreProgress;
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
}

/**
 * File descriptors, not fs/promises FileHandles: a restore opens one per file, and each
 * FileHandle is an object the garbage collector must track and finalize — at tens of
 * thousands of small files, a large share of the main thread's time.
 */
const openFd = promisify(openCallback);
const writeFd = promisify(writeCallback);
const truncateFd = promisify(ftruncate);
const closeFd = promisify(closeCallback);

/** Writes all of `length` bytes: a write to a regular file may take fewer. */
async function writeAll(fd: number, data: Buffer, offset: number, length: number, position: number): Promise<void> {
  for (let done = 0; done < length;) {
    const { bytesWritten } = await writeFd(fd, data, offset + done, length - done, position + done);
    if (bytesWritten === 0) throw new Error(`no room to write at byte ${position + done}`);
    done += bytesWritten;
  }
}

const asRoot = process.getuid?.() === 0;
/** Who owns what this process creates (asked once: it is a system call). */
const creator = { uid: process.geteuid?.(), gid: process.getegid?.() };
const S_ISGID = 0o2000;

/**
 * The process's umask, from /proc (process.umask() cannot read it without setting it);
 * 0o777 where unknown, so that no file is taken to have its mode from open().
 */
const umask = (() => {
  try {
    return Number.parseInt(/^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '777', 8);
  } catch {
    return 0o777;
  }
})();

/**
 * What a new file needs after its content: owner, mode, times. A file this process creates
 * is already its own (unless a set-group-ID directory above gives it that group) and has
 * the mode open() asked for less the umask; most restored files are root's with 0644 or
 * 0600, and two system calls fewer per file is a fifth of a restore of small files.
 */
function createdAs(node: TreeNode, groupFromDirectory: boolean): { readonly openMode: number; readonly owned: boolean; readonly moded: boolean } {
  const moded = (node.mode & 0o7777) === (node.mode & 0o777 & ~umask);
  return {
    openMode: moded ? node.mode & 0o777 : 0o600,
    owned: !groupFromDirectory && node.uid === creator.uid && node.gid === creator.gid,
    moded,
  };
}

/** Large files written at once: enough to keep the thread pool's file operations and the decryption busy. */
const RESTORING = 8;
/**
 * Files up to this size are read whole and handed to the small-file writer, and this many
 * of them may be on their way at once: enough to fill its batches.
 */
const SMALL_FILE = 1024 * 1024;
const RESTORING_SMALL = 256;
/** …and at most this many of their bytes: what memory the small files on their way hold. */
const SMALL_BYTES = 32 * 1024 * 1024;

/**
 * Creates something at `path` (exclusively): when something is there already, it is removed
 * and the creation tried once more — a restore over an older one replaces what it finds.
 */
async function replacing<T>(path: FsPath, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await rm(path, { force: true, recursive: false });
    return create();
  }
}

/** Whether `path`, or the nearest directory above it that exists, is set-group-ID: what is made below it inherits the bit. */
async function setGroupIdAt(path: FsPath): Promise<boolean> {
  let at = typeof path === 'string' ? path : path.toString('latin1');
  for (let step = 0; step < 4096; step++) {
    const found = await stat(at).then((s) => (s.mode & S_ISGID) !== 0, () => undefined);
    if (found !== undefined) return found;
    const parent = dirname(at);
    if (parent === at) return false;
    at = parent;
  }
  return true;
}

export class FilesRestore {
  readonly progress: RestoreProgress = { files: 0, specials: 0, dirs: 0, bytes: 0 };
  private readonly warnings: string[] = [];
  private readonly errors: string[] = [];
  private readonly links = new Map<string, Promise<FsPath>>();
  /** Files being written now, across all directories: large ones, and small ones on their way to the writer. */
  private readonly writing = new Set<Promise<void>>();
  private readonly writingSmall = new Set<Promise<void>>();
  private smallFiles: SmallFileWriter | undefined;
  private smallBytes = 0;
  private readonly repository: Repository;
  private readonly include: PathMatcher;
  /** Whether new files may take their group from a set-group-ID directory (the target's, inherited below it). */
  private groupFromDirectory = true;

  constructor(repository: Repository, include: PathMatcher) {
    this.repository = repository;
    this.include = include;
  }

  /**
   * Restores the entries of `tree`, whose path in the snapshot is `at`, below `target`.
   * Returns whether anything was restored (a directory is only made when it holds something
   * selected, or is selected itself).
   */
  async run(tree: Id, at: string, target: FsPath): Promise<RestoreResult> {
    this.groupFromDirectory = await setGroupIdAt(target);
    try {
      await (await this.directory(tree, at, target, false)).done;
    } finally {
      await this.smallFiles?.close();
    }
    return { progress: this.progress, warnings: this.warnings, errors: this.errors };
  }

  /**
   * Walks one directory at a time, depth first, with a bounded number of files being written
   * at once across the whole restore (RESTORING large ones; RESTORING_SMALL small ones, at
   * most SMALL_BYTES): memory holds the listings from the root down to here, those files, and
   * the directories whose files are still being written — not the whole snapshot's tree (a
   * hundred thousand pending files would be hundreds of megabytes). Returns once the
   * directory is walked; a directory's own metadata waits for everything inside it.
   */
  private async directory(tree: Id, at: string, target: FsPath, selected: boolean): Promise<Traversed> {
    let nodes: readonly TreeNode[];
    try {
      nodes = (await this.repository.loadTree(tree)).nodes;
    } catch (error) {
      this.errors.push(`${at}: directory listing cannot be read: ${(error as Error).message}`);
      return { any: false, done: Promise.resolve() };
    }
    /** What this directory's metadata waits for: its files, and its subdirectories with theirs. */
    const inside: Promise<void>[] = [];
    let made = false;
    let any = false;
    for (const node of nodes) {
      const path = at === '/' ? `/${node.name}` : `${at}/${node.name}`;
      const wanted = selected || this.include.matches(path);
      const destination = childPath(target, nodeName(node));
      if (node.type === 'dir') {
        if (wanted) await mkdir(destination, { recursive: true, mode: 0o700 });
        // The walk goes on to the next entry while this directory's files are still being
        // written: waiting for them here would empty the pipeline at every directory.
        const below = node.subtree !== undefined ? await this.directory(node.subtree, path, destination, wanted) : { any: false, done: Promise.resolve() };
        if (wanted || below.any) inside.push(below.done.then(() => this.finishDirectory(node, destination, path)));
        any ||= wanted || below.any;
        continue;
      }
      if (!wanted) continue;
      if (!made) await mkdir(target, { recursive: true, mode: 0o700 });
      made = true;
      any = true;
      const small = isSmall(node);
      const writing = small ? this.writingSmall : this.writing;
      const bytes = small ? (node.size ?? 0) : 0;
      while (small ? this.writingSmall.size >= RESTORING_SMALL || (this.writingSmall.size > 0 && this.smallBytes + bytes > SMALL_BYTES) : this.writing.size >= RESTORING) await Promise.race(writing);
      this.smallBytes += bytes;
      const written: Promise<void> = this.leaf(node, destination, path).finally(() => {
        writing.delete(written);
        this.smallBytes -= bytes;
      });
      writing.add(written);
      inside.push(written);
    }
    return { any, done: Promise.all(inside).then(() => undefined) };
  }

  private async finishDirectory(node: TreeNode, destination: FsPath, path: string): Promise<void> {
    this.progress.dirs++;
    await this.metadata(node, destination, path);
  }

  private async leaf(node: TreeNode, destination: FsPath, path: string): Promise<void> {
    try {
      if (node.type === 'symlink') {
        await replacing(destination, () => symlink(nodeTarget(node), destination));
      } else if (node.type === 'file') {
        const written = await this.linkedAgain(node, destination, path);
        if (written === 'content') await this.metadata(node, destination, path, createdAs(node, this.groupFromDirectory));
        this.progress.files++;
        return;
      } else if (node.type === 'socket') {
        this.warnings.push(`${path}: socket not restored (the program that listens on it makes it again)`);
        return;
      } else if (!(await this.special(node, destination, path))) {
        return;
      }
      await this.metadata(node, destination, path);
      if (node.type !== 'symlink') this.progress.specials++;
    } catch (error) {
      this.errors.push(`${path}: ${(error as Error).message}`);
    }
  }

  /** A FIFO or device node as it was; a device without the privilege for it is a warning. */
  private async special(node: TreeNode, destination: FsPath, path: string): Promise<boolean> {
    const type = node.type as 'fifo' | 'chardev' | 'blockdev';
    try {
      await replacing(destination, async () => makeSpecial(destination, type, node.mode, node.rdev));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM' || type === 'fifo') throw error;
      this.warnings.push(`${path}: ${type} ${node.rdev ?? ''} not restored: making device nodes needs root (CAP_MKNOD)`);
      return false;
    }
  }

  /**
   * Hard links: the first path of an inode gets the content, later ones are linked to it.
   * Paths are restored concurrently, so the first registers before it writes.
   */
  private async linkedAgain(node: TreeNode, destination: FsPath, path: string): Promise<Written> {
    if ((node.links ?? 1) < 2) return this.content(node, destination, path);
    const key = `${node.device}:${node.inode}`;
    const first = this.links.get(key);
    if (first !== undefined) {
      const original = await first;
      await replacing(destination, () => link(original, destination));
      return 'linked';
    }
    const written = this.content(node, destination, path);
    this.links.set(key, written.then(() => destination));
    return written;
  }

  /**
   * A small file: its blobs read, then content, owner, mode and times set by the small-file
   * writer in one go. A blob that cannot be read leaves it to `content`, which sets aside
   * what it could write.
   */
  private async small(node: TreeNode, destination: FsPath, path: string): Promise<Written | undefined> {
    const parts: Buffer[] = [];
    for (const id of node.content ?? []) {
      const data = await this.repository.loadBlob(id).catch(() => undefined);
      if (data === undefined) return undefined;
      parts.push(data);
    }
    const created = createdAs(node, this.groupFromDirectory);
    this.smallFiles ??= new SmallFileWriter();
    const warning = await this.smallFiles.write({
      path: destination, content: parts, openMode: created.openMode, mtimeNs: node.mtimeNs,
      ...(asRoot && !created.owned && { owner: { uid: node.uid, gid: node.gid } }), ...(!created.moded && { mode: node.mode }),
    });
    if (warning !== undefined) this.warnings.push(`${path}: ${warning}`);
    this.progress.bytes += parts.reduce((sum, part) => sum + part.length, 0);
    return 'complete';
  }

  /**
   * Writes the file's data. At a blob that cannot be read the writing stops, and what was
   * written is renamed `NAME.strata-damaged`: a damaged file must not pass for the real one.
   */
  private async content(node: TreeNode, destination: FsPath, path: string): Promise<Written> {
    if (isSmall(node)) {
      const done = await this.small(node, destination, path);
      if (done !== undefined) return done;
    }
    // O_EXCL | O_NOFOLLOW: never write through something that appeared at this path.
    const fd = await replacing(destination, () => openFd(destination, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, createdAs(node, this.groupFromDirectory).openMode));
    const lost: string[] = [];
    let position = 0;
    try {
      let end = 0;
      for (const id of node.content ?? []) {
        let data: Buffer;
        try {
          data = await this.repository.loadBlob(id);
        } catch (error) {
          lost.push(`blob ${id.slice(0, 12)} (${(error as Error).message})`);
          break;
        }
        for (const [from, to] of dataRuns(data)) {
          await writeAll(fd, data, from, to - from, position + from);
          end = position + to;
        }
        position += data.length;
        this.progress.bytes += data.length;
      }
      // A file that ends in a hole gets its length from truncate; the file is new, so nothing is cut.
      if (end < position) await truncateFd(fd, position);
    } finally {
      await closeFd(fd);
      if (lost.length > 0) await this.setAside(destination, path, lost, position);
    }
    return 'content';
  }

  private async setAside(destination: FsPath, path: string, lost: readonly string[], intact: number): Promise<never> {
    const aside = Buffer.concat([Buffer.from(destination), Buffer.from('.strata-damaged')]);
    await rename(destination, typeof destination === 'string' ? aside.toString('utf8') : aside);
    throw new Error(`data damaged: ${lost.join(', ')}; the ${intact} bytes before it are in ${path}.strata-damaged, nothing is at ${path} itself`);
  }

  /** Owner, mode and times; `created` says what a file made by content() already has. */
  private async metadata(node: TreeNode, destination: FsPath, path: string, created?: { readonly owned: boolean; readonly moded: boolean }): Promise<void> {
    const symlinked = node.type === 'symlink';
    try {
      if (asRoot && created?.owned !== true) await lchown(destination, node.uid, node.gid);
      if (!symlinked && created?.moded !== true) await chmod(destination, node.mode);
      await setTimes(destination, node.mtimeNs, symlinked);
    } catch (error) {
      this.warnings.push(`${path}: metadata not fully restored: ${(error as Error).message}`);
    }
  }
}
