/**
 * The files source on the Source contract: local paths (and the control-plane preset),
 * compared against the newest snapshot of the same host and paths, whose unchanged files
 * are not read again.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { formatBytes, formatSeconds, perSecond } from '../../core/format.ts';
import type { Id } from '../../repository/hash.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import { SealerPool } from '../../repository/sealer/pool.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { Source } from '../source.ts';
import { FilesBackup, type FilesProgress } from './backup.ts';
import { discoverControlPlane } from './control-plane.ts';
import { filesEntry, type FilesEntry } from './entry.ts';
import { filesManifest } from './manifest.ts';

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

export const filesSource: Source<FilesEntry, Parent> = {
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
};
