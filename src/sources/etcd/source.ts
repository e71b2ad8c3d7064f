/**
 * The etcd source on the Source contract: a verified snapshot of the cluster's etcd (the
 * plan's cluster, or the --etcd-* flags), built on the values of that cluster's newest
 * stored snapshot, described by revision, keys and member health.
 */
import { drillEtcd } from './drill.ts';
import { UsageError } from '../../core/errors.ts';
import { formatBytes, formatSeconds, perSecond } from '../../core/format.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import type { Source } from '../source.ts';
import { etcdConnectionOptions } from './connection.ts';
import type { DatabaseBase } from './database-writer.ts';
import { etcdEntry, type EtcdEntry } from './entry.ts';
import { etcdManifest } from './manifest.ts';
import { DATABASE_FILES, type EtcdSnapshotRecord } from './record.ts';
import { planEtcdRestore, type EtcdRestoreRequest } from './restore.ts';

type Bases = ReadonlyMap<string, DatabaseBase>;

export const etcdSource: Source<EtcdEntry, Bases, EtcdRestoreRequest> = {
  type: 'etcd',
  order: 10,
  entry: etcdEntry,
  manifest: etcdManifest,

  async prepare(entry, settings) {
    const etcd = settings.cluster?.etcd;
    if (etcd === undefined) {
      throw new UsageError(`${settings.field()}: type etcd needs the plan's cluster to have etcd: settings`, { hint: 'set the plan\'s cluster: and clusters.NAME.etcd.endpoints, or give --etcd-endpoints' });
    }
    const connection = await etcdConnectionOptions(etcd);
    return {
      /**
       * The newest stored etcd snapshot of each cluster (by cluster ID): the values a new
       * snapshot of that cluster refers to instead of storing them again. Snapshots stored
       * whole (before values were split out) are no base.
       */
      async base({ repository, snapshots }) {
        const bases = new Map<string, DatabaseBase>();
        for (const snapshot of [...snapshots].reverse()) {
          const record = snapshot.sources.find((s) => s.type === 'etcd')?.record as EtcdSnapshotRecord | undefined;
          if (record === undefined || bases.has(record.clusterId)) continue;
          const tree = await sourceTree(repository, snapshot.tree, 'etcd');
          const nodes = tree === undefined ? [] : (await repository.loadTree(tree)).nodes;
          const chunks = nodes.find((n) => n.name === DATABASE_FILES.values)?.content;
          const tables = nodes.find((n) => n.name === DATABASE_FILES.tables)?.content;
          if (chunks !== undefined && tables !== undefined && record.storage !== undefined) bases.set(record.clusterId, { chunks, tables, storage: record.storage });
        }
        return bases;
      },
      async backup(context) {
        // gRPC is loaded only for runs that take an etcd snapshot.
        const { EtcdBackup } = await import('./backup.ts');
        const etcdBackup = new EtcdBackup(context.repository, context.writer);
        const p = etcdBackup.progress;
        context.progress((elapsedMs) => {
          const rate = perSecond(p.bytes, elapsedMs);
          const eta = rate > 0 && p.expected > p.bytes ? `, ETA ${formatSeconds((p.expected - p.bytes) / rate)}` : '';
          return `[${formatSeconds(elapsedMs / 1000)}] etcd snapshot from ${p.member}: ${formatBytes(p.bytes)} of ${formatBytes(p.expected)}, ${formatBytes(rate)}/s${eta}`;
        });
        const result = await etcdBackup.run({
          endpoints: etcd.endpoints, connection, force: entry.force,
          ...(context.base !== undefined && { bases: context.base }),
          ...(context.signal !== undefined && { signal: context.signal }),
        });
        return {
          node: result.node,
          source: { type: 'etcd', record: result.record },
          warnings: result.warnings,
          failed: false,
          summary: { files: 1, dirs: 0, bytes: result.record.dbSize },
        };
      },
    };
  },

  describe(source) {
    const etcd = source.record as EtcdSnapshotRecord;
    return {
      headline: `revision ${etcd.revision}, ${etcd.totalKeys} keys, ${formatBytes(etcd.dbSize)} from member ${etcd.member.name} (${etcd.member.version}) of cluster ${etcd.clusterId}`,
      details: [
        ['', `quorum ${etcd.quorum.healthy}/${etcd.quorum.voting}; HashKV ${etcd.consistency?.verdict ?? 'not checked'}; sha256 ${etcd.sha256.slice(0, 16)}…`],
        ...(etcd.dirty ? [['DIRTY', etcd.dirtyReasons.join('; ')] as const] : []),
      ],
      labels: [`etcd@${etcd.revision}`, ...(etcd.dirty ? ['dirty'] : [])],
    };
  },

  restore: planEtcdRestore,
  drill: drillEtcd,
};
