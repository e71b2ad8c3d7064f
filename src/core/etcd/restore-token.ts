/**
 * The cluster token of a restored etcd: the same wherever and however often it is worked
 * out — by `restore-plan` printed once per node, or by `restore` without --initial-cluster-token
 * — because it is derived from the snapshot and the new member set alone. Members given the
 * same snapshot and --initial-cluster always join each other; a different member set gets a
 * different token, so a stray member of another attempt is refused.
 */
import { createHash } from 'node:crypto';

export function restoreToken(snapshotId: string, initialCluster: string): string {
  const members = initialCluster.split(',').map((m) => m.trim()).filter((m) => m !== '').sort().join(',');
  return `strata-${snapshotId.slice(0, 8)}-${createHash('sha256').update(`${snapshotId}\n${members}`).digest('hex').slice(0, 8)}`;
}
