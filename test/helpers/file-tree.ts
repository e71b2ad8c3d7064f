/**
 * Generated source trees for backup tests, and a description of a tree that restore must
 * reproduce exactly: type, mode, owner, size, content hash, link target, mtime (µs).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, readlinkSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync, lchownSync } from 'node:fs';
import { join } from 'node:path';

export interface TreeOptions {
  readonly smallFiles: number;
  readonly largeFiles: number;
  readonly largeSize: number;
  /** Text placed in one file, for "is it readable in the repository?" tests. */
  readonly secret?: string;
}

/** A seeded generator, so a failing case can be rebuilt. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

export function generateTree(root: string, options: TreeOptions, seed = 1): void {
  const next = random(seed);
  mkdirSync(root, { recursive: true });
  const dirs = [root];
  for (let d = 0; d < Math.max(1, Math.floor(options.smallFiles / 40)); d++) {
    const parent = dirs[Math.floor(next() * dirs.length)]!;
    const dir = join(parent, `dir-${d}`);
    mkdirSync(dir);
    dirs.push(dir);
  }
  const odd = ['space name.txt', 'ünïcødé-名前.conf', "quote'and\"double", 'new\nline', 'back\\slash', '-leading-dash', '.hidden', '#hash#', 'semi;colon&amp'];
  for (let i = 0; i < options.smallFiles; i++) {
    const dir = dirs[Math.floor(next() * dirs.length)]!;
    const name = i < odd.length ? odd[i]! : `file-${i}.${['yaml', 'json', 'txt', 'bin'][i % 4]}`;
    const size = Math.floor(next() ** 3 * 64 * 1024);
    const text = i % 3 !== 0;
    const data = text ? Buffer.from(`# config ${i}\n${'key: value-with-some-entropy ' + i + '\n'}`.repeat(Math.ceil(size / 40))).subarray(0, size) : randomBytes(size);
    writeFileSync(join(dir, name), data, { mode: [0o644, 0o600, 0o755, 0o640, 0o400][i % 5]! });
  }
  for (let i = 0; i < options.largeFiles; i++) {
    const data = Buffer.alloc(options.largeSize);
    for (let at = 0; at < data.length; at += 1 << 20) randomBytes(Math.min(1 << 20, data.length - at)).copy(data, at);
    writeFileSync(join(root, `large-${i}.img`), data);
  }
  if (options.secret !== undefined) writeFileSync(join(root, 'dir-0', 'admin.conf'), `password: ${options.secret}\n`, { mode: 0o600 });
  writeFileSync(join(root, 'empty'), '');
  mkdirSync(join(root, 'empty-dir'), { mode: 0o750 });
  symlinkSync('dir-0', join(root, 'link-to-dir'));
  symlinkSync('/nonexistent/target', join(root, 'dangling'));
  writeFileSync(join(root, 'hardlinked-a'), 'same inode\n');
  linkSync(join(root, 'hardlinked-a'), join(root, 'hardlinked-b'));
  // Sparse: 4 MiB hole between two small extents.
  const fd = openSync(join(root, 'sparse.img'), 'w');
  writeSync(fd, Buffer.from('start'), 0, 5, 0);
  writeSync(fd, Buffer.from('end'), 0, 3, 4 * 1024 * 1024);
  closeSync(fd);
  // Sparse to its end: a little data, then a 2 MiB hole that only the file's length records.
  writeFileSync(join(root, 'sparse-tail.img'), 'head');
  truncateSync(join(root, 'sparse-tail.img'), 2 * 1024 * 1024);
  writeFileSync(join(root, 'setgid-dir-file'), 'x');
  chmodSync(join(root, 'setgid-dir-file'), 0o2755);
  try {
    lchownSync(join(root, 'empty'), 1234, 5678);
  } catch {
    // not root: owners stay ours
  }
  utimesSync(join(root, 'empty-dir'), new Date('2020-02-02T02:02:02.123Z'), new Date('2020-02-02T02:02:02.123Z'));
}

export interface EntryDescription {
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size?: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly mtimeNs: string;
  readonly hardLinked?: boolean;
}

/** Everything restore must reproduce, by path relative to `root`. */
export function describeTree(root: string): Map<string, EntryDescription> {
  const result = new Map<string, EntryDescription>();
  const inodes = new Map<string, number>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const relPath = `${rel}/${name}`;
      const s = lstatSync(path, { bigint: true });
      const common = { mode: Number(s.mode & 0o7777n), uid: Number(s.uid), gid: Number(s.gid), mtimeNs: s.mtimeNs.toString() };
      if (s.isDirectory()) {
        result.set(relPath, { type: 'dir', ...common });
        walk(path, relPath);
      } else if (s.isSymbolicLink()) {
        result.set(relPath, { type: 'symlink', ...common, mode: 0, target: readlinkSync(path) });
      } else {
        const key = `${s.dev}:${s.ino}`;
        inodes.set(key, (inodes.get(key) ?? 0) + 1);
        result.set(relPath, { type: 'file', ...common, size: Number(s.size), sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), hardLinked: s.nlink > 1n });
      }
    }
  };
  walk(root, '');
  return result;
}

/** Every regular file below `dir`, as full paths. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Allocated bytes of a file: a sparse file uses far fewer than its size. */
export function allocatedBytes(path: string): number {
  return lstatSync(path).blocks * 512;
}
