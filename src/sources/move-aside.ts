/**
 * What a restore does with the directory it replaces: moves it aside, never deletes it (it
 * may be the only copy of something), and can put it back when the restore fails.
 */
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';

/** Renames a non-empty `dir` to `dir.before-restore-<time>`; returns the new name, or undefined when there was nothing to move. */
export function moveAside(dir: string, now = new Date()): string | undefined {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return undefined;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let aside = `${dir}.before-restore-${stamp}`;
  for (let n = 1; existsSync(aside); n++) aside = `${dir}.before-restore-${stamp}-${n}`;
  renameSync(dir, aside);
  return aside;
}

/** Undoes a failed restore: removes the half-made `dir` and puts what was moved aside back (nothing when nothing was). */
export async function putBack(dir: string, aside: string | undefined): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  if (aside !== undefined) renameSync(aside, dir);
}
