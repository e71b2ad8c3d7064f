/**
 * The API way (MKE's "Create an MKE backup using the API"): log in, refuse when a backup is
 * already running (MKE takes one at a time), start one with the passphrase in the request
 * body, poll it to SUCCESS or FAILED, then read the archive MKE wrote in `hostPath` on the
 * manager that took it — this one, since `url` is this manager's own MKE address — and
 * remove it (and its log) once it is stored.
 */
import { createReadStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationError } from '../../core/errors.ts';
import { thisHost } from '../placement.ts';
import type { SourceSettings } from '../source.ts';
import { MkeApi, type MkeBackup } from './api.ts';
import type { TakenArchive } from './archive.ts';
import type { MkeEntry } from './entry.ts';
import type { MkeSecrets } from './secrets.ts';

const POLL_MS = 2_000;

export async function takeThroughApi(entry: MkeEntry, secrets: MkeSecrets, settings: SourceSettings, deadline: number, stage: (text: string) => void): Promise<TakenArchive> {
  const api = new MkeApi({ url: entry.url, field: settings.field('url'), ...(entry.ca !== undefined && { ca: entry.ca }), ...(entry.bundle !== undefined && { bundle: entry.bundle }) });
  stage(`logging in to ${entry.url}`);
  if (entry.bundle === undefined) await api.login(entry.username!, secrets.password!);
  const version = await api.version();
  const running = (await api.backups()).find((b) => b.backupState === 'IN_PROGRESS');
  if (running !== undefined) throw alreadyRunning(running);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const fileName = `strata-mke-${stamp}.tar`;
  const logFileName = `strata-mke-${stamp}.log`;
  stage('starting the backup');
  const started = await api.start({
    ...(secrets.passphrase !== undefined ? { passphrase: secrets.passphrase } : { noPassphrase: true }),
    includeLogs: entry.includeLogs, fileName, logFileName, hostPath: entry.hostPath,
  }).catch(async (error: Error) => {
    // Another backup may have started between the list and the start.
    const other = (await api.backups().catch(() => [])).find((b) => b.backupState === 'IN_PROGRESS' && b.fileName !== fileName);
    throw other === undefined ? error : alreadyRunning(other);
  });
  let backup: MkeBackup | undefined;
  for (let attempt = 0; attempt < 100_000; attempt++) {
    backup = started !== undefined ? await api.backup(started) : (await api.backups()).find((b) => b.fileName === fileName);
    if (backup !== undefined && backup.backupState !== 'IN_PROGRESS') break;
    if (Date.now() > deadline) throw new OperationError(`mke: backup ${started ?? fileName} is still IN_PROGRESS at the time limit (${settings.field('timeout')})`, { hint: 'MKE goes on with it; give a longer timeout, and look at the backup\'s log in MKE' });
    stage(`MKE is taking the backup (${backup?.id ?? fileName}: ${backup?.backupState ?? 'not listed yet'})`);
    await sleep(POLL_MS);
  }
  if (backup?.backupState !== 'SUCCESS') throw new OperationError(`mke: backup ${backup?.id ?? fileName} ended ${backup?.backupState ?? 'unlisted'}${backup?.shortError ? `: ${backup.shortError}` : ''}`, { hint: `MKE's log of it: ${join(backup?.backupPath ?? entry.hostPath, logFileName)} on ${backup?.nodeLocation ?? 'the manager that took it'}` });
  const folder = join(settings.hostRoot, backup.backupPath ?? entry.hostPath);
  const file = join(folder, backup.fileName ?? fileName);
  if (!existsSync(file)) {
    throw new OperationError(`mke: backup ${backup.id} was written on ${backup.nodeLocation ?? 'another manager'}, not here (${thisHost(settings)}): ${file} does not exist`, { hint: `give ${settings.field('url')} this manager's own MKE address, not a load balancer's, so that the backup is taken here` });
  }
  return {
    bytes: createReadStream(file),
    version, manager: backup.nodeLocation ?? thisHost(settings), backupId: backup.id,
    finished: () => Promise.resolve({}),
    async tidy() {
      try {
        await rm(file, { force: true });
        await rm(join(folder, backup.logFileName ?? logFileName), { force: true });
        return undefined;
      } catch (error) {
        return `mke: could not remove ${file} after storing it: ${(error as Error).message}`;
      }
    },
  };
}

function alreadyRunning(backup: MkeBackup): OperationError {
  return new OperationError(`mke: backup ${backup.id} is already running on ${backup.nodeLocation ?? 'a manager'} since ${backup.created_at ?? '?'}; MKE takes one backup at a time`, { hint: 'this run stored no MKE backup; the next run takes one (or wait for that one to end and run again)' });
}
