/**
 * One MKE backup into the snapshot: taken the entry's way, stored as mke/ARCHIVE in
 * content-defined chunks (a mostly unchanged archive costs little; under a passphrase each
 * archive is encrypted afresh, so it costs its size), then read back from the repository,
 * decrypted and listed. A backup MKE failed, one already running, or an archive that is
 * broken, empty or lacks what a good one holds is stored as a failure with its reason: the
 * snapshot is partially failed and the plan's other sources are kept.
 */
import { Duration } from '../../core/duration.ts';
import { StrataError } from '../../core/errors.ts';
import { formatSeconds } from '../../core/format.ts';
import { directoryNode } from '../../repository/item-nodes.ts';
import { StreamWriter } from '../../repository/stream-writer.ts';
import { itemNode } from '../program-output.ts';
import type { BackupContext, SourceBackup, SourceSettings } from '../source.ts';
import { takeThroughApi } from './api-backup.ts';
import type { TakenArchive } from './archive.ts';
import { takeThroughCli } from './cli-backup.ts';
import type { MkeEntry } from './entry.ts';
import type { MkeRecord } from './record.ts';
import type { MkeSecrets } from './secrets.ts';
import { checkArchive } from './verify.ts';

export async function backupMke(entry: MkeEntry, secrets: MkeSecrets, settings: SourceSettings, context: BackupContext<unknown>): Promise<SourceBackup> {
  const started = Date.now();
  const timeoutMs = Duration.parse(entry.timeout)!.milliseconds;
  const archive = `mke-backup.tar${secrets.passphrase === undefined ? '' : '.gpg'}`;
  let stage = entry.method === 'api' ? `backup through ${entry.url}` : `${entry.image} backup`;
  context.progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] mke: ${stage}`);
  const base = { method: entry.method, archive, encrypted: secrets.passphrase !== undefined, includeLogs: entry.includeLogs };
  let taken: TakenArchive | undefined;
  const recorded = (extra: Omit<MkeRecord, keyof typeof base | 'version' | 'manager' | 'durationMs'>): MkeRecord => ({
    ...base, version: taken?.version ?? 'unknown', manager: taken?.manager ?? settings.node ?? '?', ...(taken?.backupId !== undefined && { backupId: taken.backupId }), durationMs: Date.now() - started, ...extra,
  });
  // No archive is kept: the record says why, and the snapshot is partially failed.
  const failure = async (failed: string, bytes = 0, extra: Partial<MkeRecord> = {}): Promise<SourceBackup> => ({
    node: directoryNode('mke', await context.writer.saveTree([])),
    source: { type: 'mke', record: recorded({ bytes, verified: false, ...extra, failed }) },
    warnings: [`mke: ${failed}`], failed: true, summary: { files: 0, dirs: 1, bytes: 0 },
  });
  try {
    taken = entry.method === 'api'
      ? await takeThroughApi(entry, secrets, settings, started + timeoutMs, (text) => (stage = text))
      : takeThroughCli(entry, secrets, settings, timeoutMs, context.signal);
  } catch (error) {
    if (error instanceof StrataError) return failure(error.message);
    throw error;
  }
  stage = 'storing the archive';
  const stream = new StreamWriter(context.repository, context.writer);
  for await (const piece of taken.bytes) await stream.push(piece);
  const stored = await stream.finish();
  const ended = await taken.finished();
  const tool = { ...(ended.exit !== undefined && { exit: ended.exit }), ...(ended.stderrTail !== undefined && { stderrTail: ended.stderrTail }) };
  if (ended.failed !== undefined) return failure(ended.failed, stored.size, tool);
  stage = 'proving the stored archive (decrypt and list)';
  // Durable and indexed first, so that what is proven is what the repository holds (the
  // packs are pruned as unreferenced if the snapshot is never written).
  await context.writer.flush();
  const check = await checkArchive(context.repository, stored.content, secrets.passphrase);
  if (check.problem !== undefined) return failure(`the archive is not a good MKE backup: ${check.problem}`, stored.size, { ...tool, entries: check.entries });
  const tidied = await taken.tidy?.();
  return {
    node: directoryNode('mke', await context.writer.saveTree([itemNode(archive, started, stored)])),
    source: { type: 'mke', record: recorded({ bytes: stored.size, entries: check.entries, verified: true, ...tool }) },
    warnings: tidied === undefined ? [] : [tidied],
    failed: false,
    summary: { files: 1, dirs: 1, bytes: stored.size },
  };
}
