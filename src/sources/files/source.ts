/**
 * The files source on the Source contract: local paths (and the control-plane preset),
 * compared against the newest snapshot of the same host and paths, whose unchanged files
 * are not read again.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OperationError, UsageError } from '../../core/errors.ts';
import { pathMatcher } from '../../core/glob.ts';
import { formatBytes, formatSeconds, perSecond } from '../../core/format.ts';
import type { Id } from '../../repository/hash.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import { SealerPool } from '../../repository/sealer/pool.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { Source } from '../source.ts';
import { drillFiles } from './drill.ts';
import { FilesBackup, type FilesProgress } from './backup.ts';
import { discoverControlPlane } from './control-plane.ts';
import { filesEntry, type FilesEntry } from './entry.ts';
import { filesManifest } from './manifest.ts';
import { FilesRestore } from './restore.ts';
import { countSelected, expectDirectory, type SelectedCounts } from './restore-plan.ts';

interface Parent {
  readonly snapshot: StoredSnapshot | undefined;
  readonly tree: Id | undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}

/** files, bytes, rate and ETA, as restic shows them. */
function progressText(p: FilesProgress, elapsedMs: number): string {
  const rate = perSecond(p.bytes, elapsedMs);
  const total = p.walkDone ? ` of ${p.filesSeen} files, ${formatBytes(p.bytesSeen)}` : ` (scanning: ${p.filesSeen} files, ${formatBytes(p.bytesSeen)} found)`;
  const eta = p.walkDone && rate > 0 ? `, ETA ${formatSeconds((p.bytesSeen - p.bytes) / rate)}` : '';
  return `[${formatSeconds(elapsedMs / 1000)}] ${p.files} files, ${formatBytes(p.bytes)}${total}, ${formatBytes(rate)}/s${eta}`;
}

export interface FilesRestoreOptions {
  /** The directory to restore into (made when missing). */
  readonly target: string;
  /** Path patterns that select what to restore (--include); everything when empty. */
  readonly include: readonly string[];
}

export const filesSource: Source<FilesEntry, Parent, FilesRestoreOptions> = {
  type: 'files',
  order: 40,
  entry: filesEntry,
  manifest: filesManifest,

  merge: (first, second) => ({
    ...first,
    ...second,
    ...((first.preset ?? second.preset) !== undefined && { preset: first.preset ?? second.preset }),
    paths: [...first.paths, ...second.paths],
    ...((first.exclude ?? second.exclude) !== undefined && { exclude: [...(first.exclude ?? []), ...(second.exclude ?? [])] }),
  }),

  namedFiles: (entry, field) => entry.paths.map((path, i) => [`${field}.paths[${i}]`, path, 'backed-up path'] as const),

  async prepare(entry, settings) {
    if (entry.exclude !== undefined) throw new UsageError(`${settings.field('exclude')}: excluding files is not supported yet`, { hint: 'list the paths to back up instead' });
    const named: string[] = [];
    if (entry.preset === 'control-plane') {
      const found = discoverControlPlane(settings.hostRoot);
      if (found.paths.length === 0) {
        throw new UsageError(`${settings.field('preset')}: no control-plane files under ${settings.hostRoot} (no /etc/kubernetes/pki, manifests or kubeconfigs)`, {
          hint: 'run it on a control-plane node, or give --host-root where its file system is mounted',
        });
      }
      for (const file of found.missing) settings.warn(`the kube-apiserver manifest names ${file}, which does not exist`);
      named.push(...found.paths);
    }
    named.push(...entry.paths);
    if (named.length === 0) throw new UsageError(`${settings.field()}: a files source needs paths: or preset: control-plane`);
    for (const path of entry.paths) if (!existsSync(path)) throw new UsageError(`${settings.field('paths')} ${path}: no such file or directory`, { hint: 'check the path; nothing was written' });
    const paths = [...new Set(named.map((p) => resolve(p)))];
    return {
      /** The snapshot named by --parent, else the newest with the same host and paths. */
      async base({ repository, snapshots, host, parent }) {
        const snapshot = parent !== undefined ? snapshots.find((s) => s.id.startsWith(parent)) : snapshots.filter((s) => s.host === host && sameSet(s.paths, paths)).at(-1);
        return { snapshot, tree: snapshot === undefined ? undefined : await sourceTree(repository, snapshot.tree, 'files') };
      },
      async backup(context) {
        const pool = new SealerPool(context.repository, context.writer);
        const files = new FilesBackup(context.repository, context.writer, pool);
        context.progress((elapsedMs) => progressText(files.progress, elapsedMs));
        let result;
        try {
          result = await files.run(paths, context.base?.tree, context.signal);
        } finally {
          await pool.close();
        }
        const p = result.progress;
        return {
          node: { name: 'files', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtimeNs: '0', subtree: result.tree },
          source: { type: 'files', paths },
          warnings: result.warnings,
          failed: result.failed,
          summary: { files: p.files, dirs: p.dirs, specials: p.specials, bytes: p.bytes },
          ...(context.base?.snapshot !== undefined && { parent: context.base.snapshot.id }),
          paths,
        };
      },
    };
  },

  describe(source) {
    return { headline: (source.paths ?? []).join(' '), details: [], labels: [] };
  },

  /**
   * The snapshot's tree (or what --include selects) into a directory, byte- and
   * metadata-exact; paths keep the source prefix (/files/etc/kubernetes).
   */
  drill: drillFiles,
  restoreFlags: (id) => `--files --target ./restore-${id}`,

  async restore({ repository, snapshot, progress }, options: FilesRestoreOptions) {
    await expectDirectory(options.target);
    const id = snapshot.id.slice(0, 8);
    const include = pathMatcher(options.include);
    const counted = await countSelected(repository, snapshot.tree, include);
    if (counted.files + counted.dirs + counted.specials === 0 && options.include.length > 0) {
      throw new OperationError(`nothing in snapshot ${id} matches --include ${options.include.join(' ')}`, { hint: 'list paths with `strata ls`' });
    }
    const target = resolve(options.target);
    const counts = (c: SelectedCounts) => `${c.files} files, ${c.dirs} dirs${c.specials > 0 ? `, ${c.specials} special files` : ''}, ${formatBytes(c.bytes)}`;
    return {
      text: `would restore ${counts(counted)} of snapshot ${id} into ${target}`,
      json: { snapshot: snapshot.id, target, ...counted },
      async apply() {
        await mkdir(target, { recursive: true, mode: 0o700 });
        const restore = new FilesRestore(repository, include);
        progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] restored ${restore.progress.files} of ${counted.files} files, ${formatBytes(restore.progress.bytes)} of ${formatBytes(counted.bytes)}`);
        const { progress: p, warnings, errors } = await restore.run(snapshot.tree, '/', target);
        return {
          lines: [`restored snapshot ${id}: ${counts(p)} into ${options.target}`],
          json: { snapshot: snapshot.id, target: options.target, ...p, warnings, errors },
          warnings,
          errors,
          ...(errors.length > 0 && { failure: { message: `${errors.length} item(s) could not be restored`, hint: 'run `strata check --read-data` to find damaged data' } }),
        };
      },
    };
  },
};
