/**
 * Writes the etcd snapshot a Strata snapshot holds as a standard snapshot file (database and
 * SHA-256 trailer, what `etcdctl snapshot save` writes), checking the trailer and the
 * recorded checksum on the file written. Written to a temporary name and renamed, so a file
 * of the final name is always whole.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OperationError, UsageError } from '../../core/errors.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { rebuildDatabase } from './database-reader.ts';
import { MapFormatError } from './database-map.ts';
import { DATABASE_FILES, etcdRecord, type EtcdSnapshotRecord } from './record.ts';
import { SnapshotTrailer, TrailerMismatch } from './snapshot-trailer.ts';
import { sourceTree } from '../../repository/root-tree.ts';

/** Where snapshots taken before values were split out keep the database: the stream as etcd sent it. */
const WHOLE_DATABASE_FILE = 'snapshot.db';

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
  const nodes = tree === undefined ? [] : (await repository.loadTree(tree)).nodes;
  const whole = nodes.find((n) => n.name === WHOLE_DATABASE_FILE)?.content;
  if (whole === undefined && !nodes.some((n) => n.name === DATABASE_FILES.map)) {
    throw new OperationError(`snapshot ${snapshot.id.slice(0, 8)}: its etcd directory holds no database`, { hint: 'run strata check' });
  }

  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.partial`);
  const handle = await open(temporary, 'wx+', 0o600);
  try {
    if (whole !== undefined) {
      for (const id of whole) await handle.write(await repository.loadBlob(id));
    } else {
      await rebuildDatabase(repository, nodes, handle);
    }
    // Read back: what is checked is the file as written, not what was meant to be written.
    const trailer = new SnapshotTrailer();
    for await (const bytes of handle.createReadStream({ start: 0, autoClose: false }) as AsyncIterable<Buffer>) trailer.push(bytes);
    const checked = trailer.finish();
    if (checked.sha256 !== record.sha256) throw new TrailerMismatch(`SHA-256 ${checked.sha256.slice(0, 16)}… is not the recorded ${record.sha256.slice(0, 16)}…`);
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
    return record;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    if (error instanceof TrailerMismatch || error instanceof MapFormatError) {
      throw new OperationError(`the etcd snapshot in ${snapshot.id.slice(0, 8)} does not check out: ${error.message}`, { hint: 'run strata check --read-data', cause: error });
    }
    throw error;
  }
}
