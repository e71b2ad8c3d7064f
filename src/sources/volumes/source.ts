/**
 * The volumes source on the Source contract: the claims a selection of workloads, claims,
 * namespaces and labels resolves to, each read by its method (RBD diff, CSI VolumeSnapshot,
 * node directory as files). Its base is the newest stored backup of every image and claim;
 * once the snapshot is durable, Ceph drops the Strata snapshots no longer needed as diff
 * bases; VolumeSnapshots live as long as the snapshots that recorded them.
 */
import { join } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { formatBytes } from '../../core/format.ts';
import { keepPolicy } from '../../core/config/keep.ts';
import { blockSizeOf } from '../../core/volumes/block-size.ts';
import { parseClaim, parseWorkload } from '../../core/volumes/selection.ts';
import type { Id } from '../../repository/hash.ts';
import type { Source } from '../source.ts';
import { VolumesBackup } from './backup.ts';
import { volumesEntry, type VolumesEntry } from './entry.ts';
import { deleteForgottenVolumeSnapshots, recordedVolumeSnapshots } from './forgotten-snapshots.ts';
import { narrowByLabels } from './inventory.ts';
import { volumeNode } from './layout.ts';
import { volumesManifest } from './manifest.ts';
import { pruneLiveSnapshots, type ImageBase } from './rbd/image-backup.ts';
import { rbdFor } from './rbd/connect.ts';
import { drillVolumes } from './drill.ts';
import { drillVolumesInPlace } from './drill-in-place.ts';
import { imageKey, type VolumeEntry, type VolumesRecord } from './record.ts';
import { planVolumesRestore, type VolumesRestoreOptions } from './restore.ts';

interface Bases {
  /** The newest stored backup of each RBD image (by imageKey): its next diff base. */
  readonly images: ReadonlyMap<string, ImageBase>;
  /** The newest file-level backup of each claim ("namespace/claim"): its tree. */
  readonly directories: ReadonlyMap<string, Id>;
}

function volumeLine(v: VolumeEntry): string {
  const claim = `${v.namespace}/${v.claim}`;
  if (v.rbd !== undefined) return `${claim}: ${v.rbd.pool}/${v.rbd.image}@${v.rbd.snapshot}, ${formatBytes(v.rbd.size)} (${formatBytes(v.rbd.changedBytes)} changed${v.rbd.base === null ? ', read whole' : ''}${v.rbd.blocksAsDeltas ? `, ${v.rbd.blocksAsDeltas} of ${v.rbd.blocksStored} blocks stored as deltas` : ''})`;
  if (v.files !== undefined) return `${claim}: ${v.files.path}${v.files.node === undefined ? '' : ` on ${v.files.node}`} as files, ${v.files.files} files, ${formatBytes(v.files.bytes)}`;
  if (v.csi !== undefined) return `${claim}: VolumeSnapshot ${v.csi.namespace}/${v.csi.name} (${v.csi.driver}; the data stays with the driver)`;
  return `${claim}: not stored: ${v.error ?? v.skipped ?? 'unknown reason'}`;
}

export const volumesSource: Source<VolumesEntry, Bases, VolumesRestoreOptions> = {
  type: 'volumes',
  order: 30,
  entry: volumesEntry,
  manifest: volumesManifest,

  namedFiles(entry, field) {
    // Files of the Rook toolbox are paths in its pod, not here.
    if (entry.ceph === undefined || entry.ceph.toolbox !== undefined) return [];
    return [
      ...(entry.ceph.confFile === undefined ? [] : [[`${field}.ceph.confFile`, entry.ceph.confFile, 'readable'] as const]),
      ...(entry.ceph.keyringFile === undefined ? [] : [[`${field}.ceph.keyringFile`, entry.ceph.keyringFile, 'secret'] as const]),
    ];
  },

  async prepare(entry, settings) {
    for (const namespace of entry.namespaces ?? []) {
      if (/[*?]/.test(namespace)) throw new UsageError(`${settings.field('namespaces')} ${namespace}: volumes are selected by namespace name, not glob`, { hint: 'list the namespaces by name' });
    }
    const named = {
      workloads: (entry.workloads ?? []).map((w) => parseWorkload(w, settings.field('workloads'))),
      namespaces: entry.namespaces ?? [],
      claims: (entry.pvcs ?? []).map((c) => parseClaim(c, settings.field('pvcs'))),
    };
    const blockSize = entry.rbdBlockSize === undefined ? undefined : blockSizeOf(entry.rbdBlockSize, settings.field('rbdBlockSize'));
    const http = await settings.kube();
    const selection = await narrowByLabels(http, named, entry.labelSelector, settings.field('labelSelector'));
    const rbd = await rbdFor(entry.ceph, () => settings.kube());
    const liveSnapshots = entry.liveSnapshots === undefined ? undefined : keepPolicy(entry.liveSnapshots);
    return {
      async base({ repository, snapshots }) {
        const images = new Map<string, ImageBase>();
        const directories = new Map<string, Id>();
        for (const snapshot of [...snapshots].reverse()) {
          // Older snapshots mostly hold volumes already found: their trees are not read.
          const record = snapshot.sources.find((s) => s.type === 'volumes')?.record as VolumesRecord | undefined;
          for (const v of record?.volumes ?? []) {
            const claim = `${v.namespace}/${v.claim}`;
            const wanted = (v.files !== undefined && !directories.has(claim)) || (v.rbd !== undefined && !images.has(imageKey(v.rbd)));
            if (!wanted) continue;
            const node = await volumeNode(repository, snapshot.tree, v.namespace, v.claim);
            if (v.files !== undefined && node?.subtree !== undefined) directories.set(claim, node.subtree);
            if (v.rbd !== undefined && node?.content !== undefined) images.set(imageKey(v.rbd), { snapshot: v.rbd.snapshot, size: v.rbd.size, blockSize: v.rbd.blockSize, blocks: node.content });
          }
        }
        return { images, directories };
      },
      async backup(context) {
        const volumes = new VolumesBackup(context.repository, context.writer);
        const p = volumes.progress;
        context.progress((elapsedMs) => `volumes ${p.volumesDone}/${p.volumes}, ${formatBytes(p.changedBytes)} changed, ${formatBytes(p.changedBytes / Math.max(0.001, elapsedMs / 1000))}/s`);
        const result = await volumes.run({
          http, selection, rbd, mode: entry.mode,
          bases: context.base?.images ?? new Map(),
          directoryBases: context.base?.directories ?? new Map(),
          readDirectory: async (request) => {
            const read = await context.fileTrees.backupDirectory(context.repository, context.writer, join(settings.hostRoot, request.path), request.claim, request.parentTree, context.signal);
            return {
              node: read.node,
              record: { path: request.path, ...(request.node !== undefined && { node: request.node }), files: read.files, dirs: read.dirs, bytes: read.bytes, incremental: request.parentTree !== undefined },
              warnings: read.warnings,
              failed: read.failed,
            };
          },
          ...(liveSnapshots !== undefined && { liveSnapshots }),
          ...(blockSize !== undefined && { blockSize }),
          ...(settings.node !== undefined && { node: settings.node }),
          ...(entry.volumeSnapshotClass !== undefined && { volumeSnapshotClass: { name: entry.volumeSnapshotClass, from: settings.field('volumeSnapshotClass') } }),
          ...(context.time !== undefined && { at: context.time }),
          ...(context.afterCapture !== undefined && { afterSnapshots: context.afterCapture }),
        });
        const images = result.record.volumes.flatMap((v) => (v.rbd === undefined ? [] : [v.rbd]));
        return {
          node: result.node,
          source: { type: 'volumes', record: result.record },
          warnings: result.warnings,
          failed: result.failed,
          summary: { files: images.length, dirs: 0, bytes: images.reduce((sum, i) => sum + i.size, 0) },
        };
      },
      /** Only now, with the snapshot durable, may Ceph drop the older diff bases. */
      async afterCommit(backup) {
        const warnings: string[] = [];
        for (const v of (backup.source.record as VolumesRecord).volumes) {
          const image = v.rbd;
          if (image === undefined) continue;
          await pruneLiveSnapshots(rbd, image, image.snapshot, liveSnapshots).catch((error: unknown) => {
            warnings.push(`${image.pool}/${image.image}: old Strata snapshots not removed: ${(error as Error).message}`);
          });
        }
        return warnings;
      },
    };
  },

  describe(source) {
    const record = source.record as VolumesRecord;
    const count = (has: (v: VolumeEntry) => boolean) => record.volumes.filter(has).length;
    const notStored = count((v) => v.rbd === undefined && v.files === undefined && v.csi === undefined);
    return {
      headline: `${record.volumes.length} of ${record.server}: ${count((v) => v.rbd !== undefined)} RBD images, ${count((v) => v.files !== undefined)} node directories, ${count((v) => v.csi !== undefined)} VolumeSnapshots${notStored > 0 ? `, ${notStored} not stored` : ''}`,
      details: record.volumes.map((v) => ['volume', volumeLine(v)] as const),
      labels: [`volumes:${record.volumes.length - notStored}`],
    };
  },

  restore: planVolumesRestore,
  drill: drillVolumes,
  drillInPlace: drillVolumesInPlace,
  claimData: (source) => (source.record as VolumesRecord).volumes.filter((v) => v.rbd !== undefined || v.files !== undefined || v.csi !== undefined).map((v) => `${v.namespace}/${v.claim}`),

  outside: {
    held: (snapshots) => recordedVolumeSnapshots(snapshots).map((v) => `VolumeSnapshot ${v.name}`),
    async release(kube, forgotten) {
      const cleanup = await deleteForgottenVolumeSnapshots(kube, forgotten);
      return {
        released: cleanup.deleted.map((name) => `VolumeSnapshot ${name}`),
        warnings: [...cleanup.errors, ...cleanup.elsewhere.map((name) => `VolumeSnapshot ${name} was taken on another cluster than the one connected: not deleted`)],
      };
    },
  },
};
