/**
 * The local backend: a directory (an NFS mount is a local path). Objects are written to a
 * temporary file, fsynced and renamed into place, then the directory is fsynced, so a crash
 * leaves either the whole object or none of it. Directories are 0700 and files 0600:
 * backups are readable by their owner only (seed 000).
 */
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import type { Backend, ObjectInfo } from './backend.ts';

export class LocalBackend implements Backend {
  readonly location: string;

  constructor(root: string) {
    this.location = root;
  }

  async save(key: string, data: Uint8Array): Promise<void> {
    const path = this.path(key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const file = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await file.writeFile(data);
      await file.sync();
    } catch (error) {
      await file.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await file.close();
    await rename(temporary, path);
    await syncDirectory(dir);
  }

  async load(key: string, offset = 0, length?: number): Promise<Uint8Array> {
    const file = await open(this.path(key), 'r');
    try {
      const size = length ?? (await file.stat()).size - offset;
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await file.read(buffer, 0, size, offset);
      if (bytesRead !== size) throw new Error(`${this.path(key)}: short read (${bytesRead} of ${size} bytes at ${offset})`);
      return buffer;
    } finally {
      await file.close();
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    const info = await stat(this.path(key));
    return { key, size: info.size };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const base = this.path(prefix);
    let entries;
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (this.isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.startsWith('.tmp-')) continue;
      const full = join(entry.parentPath, entry.name);
      const key = relative(this.location, full).split(sep).join('/');
      let size: number;
      try {
        size = (await stat(full)).size;
      } catch (error) {
        // Removed between the listing and its stat (a lock released meanwhile): not there any more.
        if (this.isNotFound(error)) continue;
        throw error;
      }
      yield { key, size };
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key));
  }

  isNotFound(error: unknown): boolean {
    return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  }

  isPermanent(error: unknown): boolean {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC' || code === 'ENOTDIR';
  }

  hint(error: unknown): string | undefined {
    switch ((error as NodeJS.ErrnoException | undefined)?.code) {
      case 'ENOTDIR':
        return `${this.location}, or a folder above it, is a file: --repo names a directory (strata init creates it)`;
      case 'ENOSPC':
        return `the file system holding ${this.location} is full: free space there and run again; \`strata prune\` removes the packs a failed run left behind`;
      case 'EACCES':
      case 'EPERM':
        return `this user may not read or write ${this.location}: check its owner and mode (strata writes directories 0700, files 0600)`;
      case 'EROFS':
        return `${this.location} is on a read-only file system: mount it read-write, or choose another --repo`;
      default:
        return undefined;
    }
  }

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..')) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
    return join(this.location, ...key.split('/'));
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
