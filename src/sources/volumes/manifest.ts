/** The schema of the volumes source's entry in a snapshot manifest: the record of volumes/record.ts, checked. */
import { z } from 'zod';

const count = z.int().min(0);

const backend = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('rbd'), via: z.enum(['csi', 'flex', 'in-tree']), pool: z.string(), image: z.string(), radosNamespace: z.string().optional(), clusterId: z.string().optional(), driver: z.string().optional() }),
  z.strictObject({ kind: z.literal('directory'), via: z.enum(['hostPath', 'local']), path: z.string(), node: z.string().optional() }),
  z.strictObject({ kind: z.literal('csi'), driver: z.string(), volumeHandle: z.string() }),
  z.strictObject({ kind: z.literal('unsupported'), reason: z.string() }),
]);

const volume = z.strictObject({
  namespace: z.string().min(1),
  claim: z.string().min(1),
  volume: z.string().optional(),
  storageClass: z.string().optional(),
  workloads: z.array(z.string()),
  backend,
  // The PersistentVolume's spec as the API served it: its shape is Kubernetes'.
  pv: z.record(z.string(), z.unknown()).optional(),
  path: z.string().optional(),
  rbd: z.strictObject({
    pool: z.string(), radosNamespace: z.string().optional(), image: z.string(),
    snapshot: z.string().min(1), size: count, blockSize: count, base: z.string().nullable(), changedBytes: count, blocksStored: count, blocksAsDeltas: count.optional(),
  }).optional(),
  files: z.strictObject({ path: z.string(), node: z.string().optional(), files: count, dirs: count, bytes: count, incremental: z.boolean() }).optional(),
  csi: z.strictObject({
    namespace: z.string(), name: z.string(), className: z.string(), driver: z.string(), content: z.string(), snapshotHandle: z.string(),
    restoreSize: count.optional(), creationTime: z.string().optional(),
  }).optional(),
  skipped: z.string().optional(),
  error: z.string().optional(),
});

export const volumesManifest = z.strictObject({
  type: z.literal('volumes'),
  record: z.strictObject({ server: z.string().min(1), volumes: z.array(volume) }),
});
