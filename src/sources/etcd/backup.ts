/**
 * The `etcd` source: checks the cluster (quorum, alarms, HashKV agreement), picks the
 * member to snapshot, and streams its snapshot into the repository (DatabaseWriter) while
 * checking the SHA-256 trailer and reading the database's revision and key count as the
 * bytes pass.
 */
import { OperationError, Refused } from '../../core/errors.ts';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { Repository } from '../../repository/repository.ts';
import { SealerPool } from '../../repository/sealer/pool.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { BoltDamaged, BoltInventory } from './bolt-inventory.ts';
import { chooseSnapshotMember } from './consistency.ts';
import { BaseValues, DatabaseWriter, type DatabaseBase } from './database-writer.ts';
import { EtcdClusterSession } from './probe.ts';
import type { QuorumAssessment } from './quorum.ts';
import type { EtcdSnapshotRecord } from './record.ts';
import { SnapshotTrailer, TrailerMismatch } from './snapshot-trailer.ts';
import type { EtcdConnectionOptions } from './types.ts';

export interface EtcdBackupRequest {
  readonly endpoints: readonly string[];
  readonly connection: EtcdConnectionOptions;
  /** Take the snapshot even without quorum, with an alarm raised or with members that disagree; it is marked dirty. */
  readonly force: boolean;
  /** By cluster ID: the newest stored snapshot of that cluster, whose values a new one refers to. */
  readonly bases?: ReadonlyMap<string, DatabaseBase>;
  readonly signal?: AbortSignal;
}

export interface EtcdProgress {
  member: string;
  bytes: number;
  /** The member's database size as Status reported it, for an ETA. */
  expected: number;
}

export interface EtcdBackupResult {
  /** The `etcd` directory of the snapshot's root tree. */
  readonly node: TreeNode;
  readonly record: EtcdSnapshotRecord;
  readonly warnings: readonly string[];
}

export class EtcdBackup {
  readonly progress: EtcdProgress = { member: '', bytes: 0, expected: 0 };
  private readonly repository: Repository;
  private readonly writer: BlobWriter;

  constructor(repository: Repository, writer: BlobWriter) {
    this.repository = repository;
    this.writer = writer;
  }

  async run(request: EtcdBackupRequest): Promise<EtcdBackupResult> {
    const session = new EtcdClusterSession(request.endpoints, request.connection);
    try {
      const assessment = await session.assess();
      const dirty = refusals(assessment);
      const refuse = (): never => {
        throw new Refused(`etcd snapshot refused: ${dirty.join('; ')}`, {
          hint: 'nothing was written. Fix the cluster first (strata etcd status shows each member), or give --force to take the snapshot anyway, marked dirty',
        });
      };
      // Without quorum or with an alarm the answer is already no; HashKV would only add waiting.
      if (dirty.length > 0 && !request.force) refuse();
      // The base's value tables are read while the members compute HashKV.
      const clusterId = assessment.members.find((m) => m.status !== undefined)?.status?.clusterId;
      const base = clusterId === undefined ? undefined : request.bases?.get(clusterId);
      const loadingBase = base === undefined ? Promise.resolve(undefined) : BaseValues.load(this.repository, base);
      loadingBase.catch(() => undefined);
      const hashing = assessment.members.some((m) => m.status !== undefined) ? session.consistency(assessment) : Promise.resolve(undefined);
      // A lone member has no one to disagree with: its HashKV is only recorded (for drills),
      // so it is asked while the snapshot streams instead of before.
      const alone = assessment.members.length === 1;
      const early = alone ? undefined : await hashing;
      if (early?.verdict === 'disagree') dirty.push(early.detail);
      if (dirty.length > 0 && !request.force) refuse();

      const chosen = chooseSnapshotMember(assessment, request.force);
      if (chosen === undefined) throw new Refused('no etcd member can give a snapshot: none answered', { hint: 'check the endpoints and the TLS files with strata etcd status' });
      const status = chosen.status!;
      Object.assign(this.progress, { member: chosen.member.name, bytes: 0, expected: status.dbSize + 32 });

      const time = `${BigInt(Date.now()) * 1_000_000n}`;
      const trailer = new SnapshotTrailer();
      const inventory = new BoltInventory();
      const pool = new SealerPool(this.repository, this.writer);
      let stored;
      try {
        const database = new DatabaseWriter(this.repository, this.writer, pool, status.clusterId === clusterId ? await loadingBase : undefined);
        for await (const bytes of session.clientFor(chosen).snapshot(request.signal)) {
          trailer.push(bytes);
          inventory.push(bytes);
          await database.push(bytes);
          this.progress.bytes += bytes.length;
        }
        stored = await database.finish(time);
      } finally {
        await pool.close();
      }
      const consistency = alone ? await hashing : early;
      const warnings = dirty.map((reason) => `snapshot taken with --force although ${reason}`);
      if (consistency?.verdict === 'inconclusive') warnings.push(`HashKV check inconclusive: ${consistency.detail}`);
      let checked;
      let database;
      try {
        checked = trailer.finish();
        database = inventory.finish(checked.size);
      } catch (error) {
        if (error instanceof TrailerMismatch || error instanceof BoltDamaged) {
          throw new OperationError(`the snapshot from etcd member ${chosen.member.name} is damaged: ${error.message}`, {
            hint: 'no snapshot was written; run the backup again, and if it repeats run strata etcd status and check that member',
            cause: error,
          });
        }
        throw error;
      }

      const record: EtcdSnapshotRecord = {
        member: { id: chosen.member.id, name: chosen.member.name, endpoint: status.endpoint, version: status.version },
        clusterId: status.clusterId,
        revision: database.revision,
        totalKeys: database.totalKeys,
        dbSize: checked.size,
        dbSizeInUse: status.dbSizeInUse,
        sha256: checked.sha256,
        raftAppliedIndex: status.raftAppliedIndex,
        members: assessment.members.map((m) => ({
          id: m.member.id,
          name: m.member.name,
          peerUrls: [...m.member.peerUrls],
          clientUrls: [...m.member.clientUrls],
          isLearner: m.member.isLearner,
          problems: [...m.problems],
        })),
        quorum: { voting: assessment.voting, healthy: assessment.healthy, needed: assessment.needed, hasQuorum: assessment.hasQuorum },
        alarms: assessment.alarms.map((a) => ({ memberId: a.memberId, alarm: a.alarm })),
        consistency: consistency ?? null,
        storage: stored.storage,
        dirty: dirty.length > 0,
        dirtyReasons: dirty,
      };
      const subtree = await this.writer.saveTree(stored.files);
      return { node: { name: 'etcd', type: 'dir', mode: 0o700, uid: 0, gid: 0, mtimeNs: time, subtree }, record, warnings };
    } finally {
      session.close();
    }
  }
}

/** What makes a snapshot unsafe to take without --force. */
function refusals(q: QuorumAssessment): string[] {
  const reasons: string[] = [];
  const lost = q.members.filter((m) => m.problems.length > 0 && !m.member.isLearner).map((m) => `${m.member.name} (${m.problems.join('; ')})`);
  if (!q.hasQuorum) reasons.push(`etcd has lost quorum: ${q.healthy}/${q.voting} voting members healthy, ${q.needed} needed${lost.length > 0 ? `; unhealthy: ${lost.join(', ')}` : ''}`);
  for (const alarm of q.alarms) {
    const member = q.members.find((m) => m.member.id === alarm.memberId)?.member.name ?? alarm.memberId;
    reasons.push(`alarm ${alarm.alarm} is raised on member ${member}`);
  }
  return reasons;
}
