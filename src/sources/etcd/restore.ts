/**
 * Builds one member's data directory from a Strata snapshot with upstream etcdutl: a new
 * cluster token, the revision bumped above anything the old cluster handed out, and the
 * latest revision marked compacted so every watcher relists.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { bumpRevision, writeRate } from '../../core/etcd/bump-revision.ts';
import { restoreToken } from '../../core/etcd/restore-token.ts';
import { OperationError, Refused, UsageError } from '../../core/errors.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { listSnapshots } from '../../repository/snapshots.ts';
import { moveAside, putBack } from '../move-aside.ts';
import { processesUsing } from './data-dir.ts';
import { etcdutlRestoreArgs, runEtcdutl } from './etcdutl.ts';
import { etcdRecord } from './record.ts';
import { requireEtcdRecord, writeEtcdSnapshotFile } from './snapshot-file.ts';
import type { PlannedRestore, RestoreContext } from '../source.ts';

export interface EtcdRestoreRequest {
  readonly name: string;
  readonly initialCluster: string;
  readonly initialAdvertisePeerUrls: string;
  readonly dataDir: string;
  readonly walDir?: string;
  /** Every member of the new cluster must use the same token; default: derived from the snapshot and --initial-cluster. */
  readonly initialClusterToken?: string;
  /** Default: computed by bumpRevision from the recorded revision and history. */
  readonly bumpRevision?: number;
  readonly etcdutl: string;
}

export interface EtcdRestoreResult {
  readonly dataDir: string;
  readonly movedAside: string | undefined;
  readonly revision: number;
  readonly bumpRevision: number;
  readonly initialClusterToken: string;
}

export function parseInitialCluster(value: string, flag = '--initial-cluster', mayBeEmpty = false): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const entry of value.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const match = /^([^=]+)=(https?:\/\/.+)$/.exec(entry);
    if (match === null) throw new UsageError(`${flag}: "${entry}" is not NAME=URL`, { hint: 'e.g. etcd-0=https://10.0.0.1:2380,etcd-1=https://10.0.0.2:2380' });
    members.set(match[1]!, [...(members.get(match[1]!) ?? []), match[2]!]);
  }
  if (members.size === 0 && !mayBeEmpty) throw new UsageError(`${flag}: expected NAME=URL[,NAME=URL...]`);
  return members;
}

/**
 * One member's data directory from the snapshot: checked and planned first (the member is
 * in --initial-cluster, nothing uses the directories, the revision bump and token), then
 * written by etcdutl with the old directory moved aside, and put back if etcdutl fails.
 */
export async function planEtcdRestore({ repository, snapshot }: RestoreContext, request: EtcdRestoreRequest): Promise<PlannedRestore> {
  const record = requireEtcdRecord(snapshot);
  const members = parseInitialCluster(request.initialCluster);
  const peers = members.get(request.name);
  if (peers === undefined) throw new UsageError(`--name ${request.name}: not in --initial-cluster (${[...members.keys()].join(', ')})`);
  const advertised = request.initialAdvertisePeerUrls.split(',').map((u) => u.trim());
  if (advertised.some((url) => !peers.includes(url))) {
    throw new UsageError(`--initial-advertise-peer-urls ${request.initialAdvertisePeerUrls} does not match ${request.name}'s URLs in --initial-cluster (${peers.join(',')})`);
  }
  const dataDir = resolve(request.dataDir);
  for (const dir of [dataDir, ...(request.walDir !== undefined ? [resolve(request.walDir)] : [])]) {
    const users = processesUsing(dir);
    if (users.length > 0) {
      throw new Refused(`${dir} is in use by ${users.map((u) => `PID ${u.pid} (${u.command.split(' ')[0]})`).join(', ')}`, {
        hint: 'stop etcd on this node first (kubeadm: move /etc/kubernetes/manifests/etcd.yaml out and wait; systemd: systemctl stop etcd); nothing was changed',
      });
    }
  }
  if (!existsSync(dirname(dataDir))) throw new UsageError(`--data-dir ${dataDir}: ${dirname(dataDir)} does not exist`);

  const bump = request.bumpRevision ?? (await plannedBump(repository, snapshot));
  const token = request.initialClusterToken ?? restoreToken(snapshot.id, request.initialCluster);
  const planned = { snapshot: snapshot.id, member: request.name, dataDir, ...(request.walDir !== undefined && { walDir: resolve(request.walDir) }), revision: record.revision, bumpRevision: bump, initialClusterToken: token, initialCluster: request.initialCluster };
  return {
    text: `etcd member ${request.name} of ${request.initialCluster}: ${dataDir} from revision ${record.revision} (cluster ${record.clusterId}), bumped by ${bump}, marked compacted, token ${token}; an existing directory is moved aside`,
    json: { dryRun: 'client', ...planned },
    async apply() {
      const result = await writeMember(repository, snapshot, request, dataDir, bump, token);
      return {
        lines: [
          `restored member ${request.name} into ${result.dataDir}: revision ${result.revision} bumped by ${result.bumpRevision}, marked compacted, token ${result.initialClusterToken}`,
          ...(result.movedAside === undefined ? [] : [`the previous data directory is at ${result.movedAside}`]),
        ],
        json: { snapshot: snapshot.id, member: request.name, ...result },
        warnings: [],
        errors: [],
      };
    },
  };
}

async function writeMember(repository: Repository, snapshot: StoredSnapshot, request: EtcdRestoreRequest, dataDir: string, bump: number, token: string): Promise<EtcdRestoreResult> {
  const record = requireEtcdRecord(snapshot);
  // The snapshot file sits beside the data directory: same file system, same protection.
  const snapshotFile = join(dirname(dataDir), `.strata-etcd-${randomBytes(4).toString('hex')}.db`);
  let movedAside: string | undefined;
  try {
    await writeEtcdSnapshotFile(repository, snapshot, snapshotFile);
    movedAside = moveAside(dataDir);
    const walAside = request.walDir === undefined ? undefined : moveAside(resolve(request.walDir));
    try {
      await runEtcdutl(request.etcdutl, etcdutlRestoreArgs({
        snapshotFile, name: request.name, initialCluster: request.initialCluster, initialClusterToken: token,
        initialAdvertisePeerUrls: request.initialAdvertisePeerUrls, dataDir, bumpRevision: bump,
        ...(request.walDir !== undefined && { walDir: resolve(request.walDir) }),
      }));
    } catch (error) {
      // Leave things as they were: remove the half-made directory, put the old one back.
      await putBack(dataDir, movedAside);
      if (request.walDir !== undefined) await putBack(resolve(request.walDir), walAside);
      throw new OperationError(`etcdutl could not restore member ${request.name}: ${(error as Error).message}`, {
        hint: movedAside === undefined ? 'nothing was changed' : `the previous data directory is back at ${dataDir}`,
        cause: error,
      });
    }
  } finally {
    await rm(snapshotFile, { force: true });
  }
  return { dataDir, movedAside, revision: record.revision, bumpRevision: bump, initialClusterToken: token };
}

/** The bump a restore of this snapshot uses unless told otherwise (see core/etcd/bump-revision.ts). */
export async function plannedBump(repository: Repository, snapshot: StoredSnapshot): Promise<number> {
  return bumpRevision({ revision: requireEtcdRecord(snapshot).revision, ...(await history(repository, snapshot)) });
}

/** The cluster's write rate between its previous snapshot and this one, and the time since this one. */
async function history(repository: Repository, snapshot: StoredSnapshot): Promise<{ revisionsPerSecond?: number; secondsSinceSnapshot: number }> {
  const record = etcdRecord(snapshot.sources)!;
  const secondsSinceSnapshot = (Date.now() - Date.parse(snapshot.time)) / 1000;
  const { snapshots } = await listSnapshots(repository);
  const earlier = snapshots
    .filter((s) => s.time < snapshot.time && etcdRecord(s.sources)?.clusterId === record.clusterId)
    .at(-1);
  const earlierRecord = earlier === undefined ? undefined : etcdRecord(earlier.sources)!;
  const rate = earlier === undefined || earlierRecord === undefined ? undefined : writeRate({ revision: earlierRecord.revision, time: earlier.time }, { revision: record.revision, time: snapshot.time });
  return rate === undefined ? { secondsSinceSnapshot } : { revisionsPerSecond: rate, secondsSinceSnapshot };
}
