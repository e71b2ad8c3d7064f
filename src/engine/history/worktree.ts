/**
 * Writes a history working tree: each file is written only when its bytes differ (so git
 * finds unchanged files by their stat data), directories 0700 and files 0600; afterwards
 * every file the export did not write — an object that is gone — is removed, with the
 * directories that empties. `.git` is never touched.
 */
import { chmod, lstat, mkdir, readdir, readFile, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class WorkTree {
  private readonly written = new Set<string>();
  private readonly made = new Set<string>();

  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  has(path: string): boolean {
    return this.written.has(path);
  }

  get files(): number {
    return this.written.size;
  }

  async write(path: string, text: string): Promise<void> {
    this.written.add(path);
    const file = join(this.root, path);
    const dir = dirname(file);
    if (!this.made.has(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.made.add(dir);
    }
    const bytes = Buffer.from(text, 'utf8');
    const existing = await readFile(file).catch(() => undefined);
    if (existing !== undefined && existing.equals(bytes)) return;
    await writeFile(file, bytes, { mode: 0o600 });
    // writeFile keeps the mode of a file that was there.
    await chmod(file, 0o600);
  }

  /** Removes what this export did not write; returns how many files went. */
  async removeRest(): Promise<number> {
    return this.sweep('');
  }

  private async sweep(relative: string): Promise<number> {
    let removed = 0;
    const dir = join(this.root, relative);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (path === '.git') continue;
      if (entry.isDirectory()) {
        removed += await this.sweep(path);
        if ((await readdir(join(this.root, path))).length === 0) await rmdir(join(this.root, path));
      } else if (!this.written.has(path)) {
        await unlink(join(this.root, path));
        removed++;
      }
    }
    return removed;
  }
}

/** Whether a directory has nothing in it (or does not exist). */
export async function isEmptyDirectory(path: string): Promise<boolean> {
  const stats = await lstat(path).catch(() => undefined);
  return stats === undefined || (stats.isDirectory() && (await readdir(path)).length === 0);
}
