/**
 * Writes the etcd snapshot a Strata snapshot holds as a standard snapshot file (database and
 * SHA-256 trailer, what `etcdctl snapshot save` writes), checking the trailer and the
 * recorded checksum as it goes. Written to a temporary name and renamed, so a file of the
 * final name is always whole.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OperationError, UsageError } from '../../core/errors.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { etcdRecord, ETCD_SNAPSHOT_FILE, type EtcdSnapshotRecord } from '../../sources/etcd/record.ts';
import { SnapshotTrailer, TrailerMismatch } from '../../sources/etcd/snapshot-trailer.ts';
import { sourceTree } from '../backup.ts';

export function requireEtcdRecord(snapshot: StoredSnapshot): EtcdSnapshotRecord {
  const record = etcdRecord(snapshot.sources);
  if (record === undefined) {
    throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds no etcd snapshot (sources: ${snapshot.sources.map((s) => s.type).join(', ')})`, {
      hint: 'list snapshots with etcd in them: strata snapshots --source etcd',
    });
  }
  return record;
}

export async function writeEtcdSnapshotFile(repository: Repository, snapshot: StoredSnapshot, file: string): Promise<EtcdSnapshotRecord> {
  const record = requireEtcdRecord(snapshot);
  if (existsSync(file)) throw new UsageError(`${file} exists`, { hint: 'give a new file name; nothing was overwritten' });
  if (!existsSync(dirname(file))) throw new UsageError(`${dirname(file)}: no such directory`, { hint: 'create it first' });
  await repository.loadIndex();
  const tree = await sourceTree(repository, snapshot.tree, 'etcd');
  const node = tree === undefined ? undefined : (await repository.loadTree(tree)).nodes.find((n) => n.name === ETCD_SNAPSHOT_FILE);
  if (node?.content === undefined) throw new OperationError(`snapshot ${snapshot.id.slice(0, 8)}: its etcd directory has no ${ETCD_SNAPSHOT_FILE}`, { hint: 'run strata check' });

  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.partial`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    const trailer = new SnapshotTrailer();
    for (const id of node.content) {
      const bytes = await repository.loadBlob(id);
      trailer.push(bytes);
      await handle.write(bytes);
    }
    const checked = trailer.finish();
    if (checked.sha256 !== record.sha256) throw new TrailerMismatch(`SHA-256 ${checked.sha256.slice(0, 16)}… is not the recorded ${record.sha256.slice(0, 16)}…`);
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
    return record;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    if (error instanceof TrailerMismatch) throw new OperationError(`the etcd snapshot in ${snapshot.id.slice(0, 8)} does not check out: ${error.message}`, { hint: 'run strata check --read-data', cause: error });
    throw error;
  }
}
