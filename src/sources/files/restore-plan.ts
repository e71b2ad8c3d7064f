/**
 * What a restore into a directory would write, counted from the snapshot's tree without
 * reading any file content: the plan `strata restore --target DIR --dry-run` prints, and the
 * check that --include selects something before anything is written.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import type { PathMatcher } from '../../core/glob.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';

export interface SelectedCounts {
  files: number;
  dirs: number;
  specials: number;
  bytes: number;
}

/** Counts as the restore counts: a directory when it is selected or holds something selected. */
export async function countSelected(repository: Repository, tree: Id, include: PathMatcher, at = '/', selected = false, counts: SelectedCounts = { files: 0, dirs: 0, specials: 0, bytes: 0 }): Promise<SelectedCounts> {
  for (const node of (await repository.loadTree(tree)).nodes) {
    const path = at === '/' ? `/${node.name}` : `${at}/${node.name}`;
    const wanted = selected || include.matches(path);
    if (node.type === 'dir') {
      const before = counts.files + counts.dirs + counts.specials;
      if (node.subtree !== undefined) await countSelected(repository, node.subtree, include, path, wanted, counts);
      if (wanted || counts.files + counts.dirs + counts.specials > before) counts.dirs++;
    } else if (wanted) {
      // As the restore counts: symlinks are made but not counted, sockets are not made.
      if (node.type === 'file') {
        counts.files++;
        counts.bytes += node.size ?? 0;
      } else if (node.type !== 'symlink' && node.type !== 'socket') counts.specials++;
    }
  }
  return counts;
}

/** --target must be a directory or not exist yet (it is made); anything else is the user's to fix. */
export async function expectDirectory(target: string): Promise<void> {
  const hint = 'name a directory for --target; it is created when it does not exist';
  for (let at = resolve(target); ; at = resolve(at, '..')) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      // Not there (or below a file): look at the directory above.
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new UsageError(`--target ${target}: ${error.message}`, { hint, cause: error });
    });
    if (found === undefined) continue;
    if (!found.isDirectory()) {
      throw new UsageError(`--target ${target}: ${at === resolve(target) ? 'is' : `lies below ${at}, which is`} a file, not a directory`, { hint });
    }
    return;
  }
}
