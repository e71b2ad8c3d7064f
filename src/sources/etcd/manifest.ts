/** The schema of the etcd source's entry in a snapshot manifest: the record of etcd/record.ts, checked. */
import { z } from 'zod';

const count = z.int().min(0);

const memberHash = z.union([
  z.strictObject({ memberId: z.string(), name: z.string(), hash: z.number(), compactRevision: z.int(), hashRevision: z.int() }),
  z.strictObject({ memberId: z.string(), name: z.string(), error: z.string() }),
]);

export const etcdManifest = z.strictObject({
  type: z.literal('etcd'),
  record: z.strictObject({
    member: z.strictObject({ id: z.string(), name: z.string(), endpoint: z.string(), version: z.string() }),
    clusterId: z.string().min(1),
    revision: count,
    totalKeys: count,
    dbSize: count,
    dbSizeInUse: count,
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    raftAppliedIndex: count,
    members: z.array(z.strictObject({ id: z.string(), name: z.string(), peerUrls: z.array(z.string()), clientUrls: z.array(z.string()), isLearner: z.boolean(), problems: z.array(z.string()) })).min(1),
    quorum: z.strictObject({ voting: count, healthy: count, needed: count, hasQuorum: z.boolean() }),
    alarms: z.array(z.strictObject({ memberId: z.string(), alarm: z.string() })),
    consistency: z.strictObject({ revision: count, verdict: z.enum(['agree', 'disagree', 'inconclusive']), detail: z.string(), members: z.array(memberHash) }).nullable(),
    storage: z.strictObject({ values: count, valueBytes: count, chunkBytes: count, newValueBytes: count, incremental: z.boolean() }).optional(),
    dirty: z.boolean(),
    dirtyReasons: z.array(z.string()),
  }),
});
