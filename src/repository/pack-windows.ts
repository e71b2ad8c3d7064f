/**
 * Read-ahead for small blobs. A backup writes a directory's small files into a pack one after
 * another, and a restore, a check or a diff asks for them in about that order: reading a
 * window of the pack from the first such blob on, and keeping the last few windows, turns a
 * read per blob into a read per few megabytes. Large blobs are read on their own.
 */
import type { Backend } from '../storage/backend.ts';
import type { Id } from './hash.ts';
import { packKey } from './pack.ts';

interface Window {
  readonly pack: Id;
  readonly start: number;
  readonly end: number;
  readonly bytes: Promise<Uint8Array>;
}

export class PackWindows {
  private readonly backend: Backend;
  private readonly size: number;
  private readonly count: number;
  /** Most recently used last. */
  private windows: Window[] = [];

  constructor(backend: Backend, options: { size?: number; count?: number } = {}) {
    this.backend = backend;
    this.size = options.size ?? 4 * 1024 * 1024;
    this.count = options.count ?? 8;
  }

  /** `length` bytes at `offset` of the pack, whose file is `packSize` bytes long. */
  async read(pack: Id, offset: number, length: number, packSize: number): Promise<Uint8Array> {
    if (length > this.size / 8) return this.backend.load(packKey(pack), offset, length);
    let window = this.windows.find((w) => w.pack === pack && w.start <= offset && offset + length <= w.end);
    if (window === undefined) {
      const end = Math.max(offset + length, Math.min(offset + this.size, packSize));
      window = { pack, start: offset, end, bytes: this.backend.load(packKey(pack), offset, end - offset) };
      // A failed read is not kept: the next caller tries again.
      const failed = window;
      window.bytes.catch(() => (this.windows = this.windows.filter((w) => w !== failed)));
      if (this.windows.length >= this.count) this.windows.shift();
    } else {
      this.windows = this.windows.filter((w) => w !== window);
    }
    this.windows.push(window);
    let bytes: Uint8Array;
    try {
      bytes = await window.bytes;
    } catch {
      // The window may reach into damage that spares this blob (a truncated pack): read it alone.
      return this.backend.load(packKey(pack), offset, length);
    }
    return bytes.subarray(offset - window.start, offset - window.start + length);
  }
}
