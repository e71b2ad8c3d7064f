/**
 * One MSR metadata backup: `mirantis/dtr backup --existing-replica-id ID` in its container,
 * its standard output stored as msr/msr-backup.tar in content-defined chunks, then read back
 * and listed. A tool that fails, prints nothing or prints something that is not a whole tar
 * is stored as a failure with its reason (the snapshot partially failed, the plan's other
 * sources kept).
 */
import { readFileSync } from 'node:fs';
import { TarLister } from '../tar-listing.ts';
import { Duration } from '../../core/duration.ts';
import { formatSeconds } from '../../core/format.ts';
import { UsageError } from '../../core/errors.ts';
import { runToolContainer } from '../../docker/tool-container.ts';
import { describeExit } from '../../programs/program.ts';
import { directoryNode } from '../../repository/item-nodes.ts';
import { StreamWriter } from '../../repository/stream-writer.ts';
import { thisHost } from '../placement.ts';
import { itemNode, keepTail, storedBytes, withLastLine } from '../program-output.ts';
import type { BackupContext, SourceBackup, SourceSettings } from '../source.ts';
import type { MsrEntry } from './entry.ts';
import { NOT_IN_BACKUP, type MsrRecord } from './record.ts';

const ARCHIVE = 'msr-backup.tar';

export async function backupMsr(entry: MsrEntry, password: string, replicaId: string, settings: SourceSettings, context: BackupContext<unknown>): Promise<SourceBackup> {
  const started = Date.now();
  let ca: string | undefined;
  if (entry.ucpCa !== undefined) {
    try {
      ca = readFileSync(entry.ucpCa, 'utf8');
    } catch (error) {
      throw new UsageError(`${settings.field('ucpCa')}: ${entry.ucpCa}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { hint: 'give MKE\'s CA certificate (curl -k https://MKE/ca)' });
    }
  }
  const args = ['backup', '--ucp-url', entry.ucpUrl, '--ucp-username', entry.ucpUsername, ...(ca !== undefined ? ['--ucp-ca', ca] : ['--ucp-insecure-tls']), '--existing-replica-id', replicaId];
  context.progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] msr: ${entry.image} backup of replica ${replicaId}`);
  const program = runToolContainer({
    endpoint: { host: entry.dockerHost, field: settings.field('dockerHost') }, image: entry.image, args, env: { UCP_PASSWORD: password },
    timeoutMs: Duration.parse(entry.timeout)!.milliseconds, ...(entry.network !== undefined && { network: entry.network }), ...(context.signal !== undefined && { signal: context.signal }),
  });
  const stderr = keepTail(program.child.stderr!);
  const exited = program.exited.catch((error: Error) => ({ code: null, signal: null, stoppedBecause: `could not start docker: ${error.message}` }));
  const stream = new StreamWriter(context.repository, context.writer);
  for await (const piece of program.child.stdout! as AsyncIterable<Uint8Array>) await stream.push(piece);
  const stored = await stream.finish();
  const exit = await exited;
  const ended = exit.stoppedBecause ?? describeExit(exit);
  const lister = new TarLister();
  // Durable and indexed first, so that what is listed is what the repository holds.
  await context.writer.flush();
  if (stored.size > 0) for await (const piece of storedBytes(context.repository, stored.content)) lister.push(piece);
  const listing = lister.finish();
  const failed = exit.code !== 0 || exit.stoppedBecause !== undefined
    ? `${entry.image} backup: ${withLastLine(ended, stderr())}`
    : stored.size === 0 ? `${entry.image} backup printed nothing` : listing.error !== undefined ? `the archive is not a whole tar: ${listing.error}` : undefined;
  const record: MsrRecord = {
    image: entry.image, replicaId, node: thisHost(settings), archive: ARCHIVE, exit: ended, stderrTail: stderr(), bytes: stored.size,
    durationMs: Date.now() - started, entries: listing.entries.length, notIncluded: NOT_IN_BACKUP, ...(failed !== undefined && { failed }),
  };
  const nodes = failed === undefined ? [itemNode(ARCHIVE, started, stored)] : [];
  return {
    node: directoryNode('msr', await context.writer.saveTree(nodes)),
    source: { type: 'msr', record },
    warnings: failed === undefined ? [] : [`msr: ${failed}`],
    failed: failed !== undefined,
    summary: { files: nodes.length, dirs: 1, bytes: failed === undefined ? stored.size : 0 },
  };
}
