/**
 * Which packs a prune deletes, repacks, keeps or puts back into the index, from how much of
 * each the remaining snapshots use. Pure: the caller measures, this decides. The repacking
 * budget follows restic's `--max-unused`: unused bytes may stay up to that fraction of the
 * repository after the prune; the packs with the most unused bytes are repacked first.
 */
import type { Id } from '../../repository/hash.ts';

export interface PackUsage {
  readonly id: Id;
  readonly size: number;
  /** Stored bytes of the blobs this pack holds that a snapshot uses (and no other pack provides). */
  readonly usedBytes: number;
  readonly usedBlobs: number;
  readonly blobs: number;
  /** Whether an index file names it (a killed run leaves packs that none does). */
  readonly indexed: boolean;
}

export interface PruneSelection {
  readonly remove: readonly Id[];
  readonly repack: readonly Id[];
  /** Packs no index names whose blobs a snapshot uses: indexed again. */
  readonly reindex: readonly Id[];
  readonly keep: readonly Id[];
  readonly stats: PruneStats;
}

export interface PruneStats {
  readonly totalBytes: number;
  readonly usedBytes: number;
  readonly unusedBytes: number;
  /** Bytes removed once the prune is done: whole unused packs and what repacking drops. */
  readonly freedBytes: number;
  /** Bytes copied into new packs. */
  readonly repackBytes: number;
  readonly unusedAfterBytes: number;
}

export function selectPacks(packs: readonly PackUsage[], maxUnused: number): PruneSelection {
  const remove: Id[] = [];
  const reindex: Id[] = [];
  const partial: PackUsage[] = [];
  const keep: Id[] = [];
  let totalBytes = 0;
  let usedBytes = 0;
  for (const pack of packs) {
    totalBytes += pack.size;
    usedBytes += pack.usedBytes;
    if (pack.usedBlobs === 0) remove.push(pack.id);
    else if (!pack.indexed) reindex.push(pack.id);
    else if (pack.usedBlobs < pack.blobs) partial.push(pack);
    else keep.push(pack.id);
  }
  const freedWhole = packs.filter((p) => p.usedBlobs === 0).reduce((sum, p) => sum + p.size, 0);
  let unusedAfter = totalBytes - usedBytes - freedWhole;
  const allowed = maxUnused >= 1 ? Infinity : (usedBytes * maxUnused) / (1 - maxUnused);
  const repack: Id[] = [];
  let repackBytes = 0;
  let freedByRepack = 0;
  // Most waste first: each repack frees the most for the bytes it copies.
  partial.sort((a, b) => b.size - b.usedBytes - (a.size - a.usedBytes) || (a.id < b.id ? -1 : 1));
  for (const pack of partial) {
    if (unusedAfter <= allowed) {
      keep.push(pack.id);
      continue;
    }
    repack.push(pack.id);
    repackBytes += pack.usedBytes;
    freedByRepack += pack.size - pack.usedBytes;
    unusedAfter -= pack.size - pack.usedBytes;
  }
  return {
    remove,
    repack,
    reindex,
    keep,
    stats: { totalBytes, usedBytes, unusedBytes: totalBytes - usedBytes, freedBytes: freedWhole + freedByRepack, repackBytes, unusedAfterBytes: Math.max(0, unusedAfter) },
  };
}
