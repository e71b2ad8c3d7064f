/**
 * `strata etcd verify`: proves, before anything in the cluster is stopped, that a snapshot's
 * etcd database can be read back whole from the repository and checks out against etcd's
 * own SHA-256 trailer and the recorded digest — the same export a restore makes, written
 * into a private scratch directory and removed again. When it does not, the newest etcd
 * snapshot that does is named as the alternative.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperationError, StrataError } from '../../core/errors.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { listSnapshots } from '../../repository/snapshots.ts';
import { etcdRecord, type EtcdSnapshotRecord } from './record.ts';
import { writeEtcdSnapshotFile } from './snapshot-file.ts';

/** Other snapshots tried, newest first, when looking for an intact alternative. */
const ALTERNATIVES = 5;

/** Reads the snapshot's database whole; throws what is wrong with it. */
export async function verifyEtcdSnapshot(repository: Repository, snapshot: StoredSnapshot, scratch = tmpdir()): Promise<EtcdSnapshotRecord> {
  const dir = await mkdtemp(join(scratch, 'strata-etcd-verify-'));
  try {
    return await writeEtcdSnapshotFile(repository, snapshot, join(dir, 'snapshot.db'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Verifies the snapshot; when it fails, says so with the newest intact etcd snapshot as the way out. */
export async function requireIntactEtcdSnapshot(repository: Repository, snapshot: StoredSnapshot): Promise<EtcdSnapshotRecord> {
  try {
    return await verifyEtcdSnapshot(repository, snapshot);
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    const { snapshots } = await listSnapshots(repository);
    const others = snapshots.filter((s) => s.id !== snapshot.id && etcdRecord(s.sources) !== undefined).reverse().slice(0, ALTERNATIVES);
    let alternative: StoredSnapshot | undefined;
    for (const other of others) {
      if (await verifyEtcdSnapshot(repository, other).then(() => true, () => false)) {
        alternative = other;
        break;
      }
    }
    const instead = alternative === undefined
      ? `none of the ${others.length} newest other etcd snapshots reads whole either`
      : `the newest intact etcd snapshot is ${alternative.id.slice(0, 8)} (${alternative.time}, revision ${etcdRecord(alternative.sources)!.revision}): use it instead`;
    throw new OperationError(`etcd snapshot ${snapshot.id.slice(0, 8)} cannot be restored: ${error.message}`, {
      cause: error,
      hint: `${instead}; \`strata check --read-data\` lists everything that is damaged. Nothing in the cluster has been touched.`,
    });
  }
}
