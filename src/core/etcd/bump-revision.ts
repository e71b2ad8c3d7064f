/**
 * How far to raise the revision of a restored etcd (`etcdutl snapshot restore
 * --bump-revision`). Clients (kube-apiserver watch caches, informers) remember revisions
 * the old cluster reached after the snapshot; the restored cluster must start above all of
 * them, or watches silently miss changes. Together with --mark-compacted, every watcher is
 * forced to relist.
 *
 * The old cluster's last revision is unknown after a disaster, so the bump covers it with a
 * wide margin: at least twice the recorded revision (the cluster would have had to write
 * more after the snapshot than in its whole life before it), at least ten times the writes
 * expected since the snapshot at the rate seen between earlier snapshots, and never less
 * than 1,000,000,000 (OpenShift's choice; revisions are int64, so the margin costs nothing).
 */

export const MINIMUM_BUMP = 1_000_000_000;

export interface BumpInputs {
  /** The snapshot's revision. */
  readonly revision: number;
  /** Revisions per second between earlier snapshots of the same cluster, if known. */
  readonly revisionsPerSecond?: number;
  /** Seconds from the snapshot until now. */
  readonly secondsSinceSnapshot?: number;
}

export function bumpRevision(inputs: BumpInputs): number {
  const expectedSince = (inputs.revisionsPerSecond ?? 0) * Math.max(0, inputs.secondsSinceSnapshot ?? 0);
  const bump = Math.max(MINIMUM_BUMP, 2 * inputs.revision, 10 * expectedSince);
  // A round number is easier to recognise in `etcdctl endpoint status` afterwards.
  const step = 10 ** Math.max(0, Math.floor(Math.log10(bump)) - 1);
  return Math.ceil(bump / step) * step;
}

/** Write rate from two snapshots of one cluster, or undefined when it cannot be told. */
export function writeRate(earlier: { revision: number; time: string }, later: { revision: number; time: string }): number | undefined {
  const seconds = (Date.parse(later.time) - Date.parse(earlier.time)) / 1000;
  if (!(seconds > 0) || later.revision < earlier.revision) return undefined;
  return (later.revision - earlier.revision) / seconds;
}
