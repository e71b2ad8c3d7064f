/**
 * The `sources:` entries of a plan, one variant per layer in DESIGN.md. Each source's own
 * folder validates deeper options when it runs; this schema catches typos and wrong types.
 */
import { z } from 'zod';
import { duration, filePath, nonEmptyStrings } from './fields.ts';
import { keepSchema } from './keep.ts';
import { isBlockSize } from '../volumes/block-size.ts';

const globs = (what: string) => nonEmptyStrings(what).optional();

const etcdSource = z.strictObject({
  type: z.literal('etcd'),
  /** Take the snapshot even when members disagree or an alarm is raised; marks it dirty. */
  force: z.boolean().default(false),
});

const filesSource = z.strictObject({
  type: z.literal('files'),
  /** `control-plane` discovers /etc/kubernetes, kubelet config, EncryptionConfiguration, /etc/etcd.env. */
  preset: z.enum(['control-plane'], { error: 'expected "control-plane"' }).optional(),
  paths: nonEmptyStrings('a path').default([]),
  exclude: globs('a glob'),
});

const objectsSource = z.strictObject({
  type: z.literal('objects'),
  includeNamespaces: globs('a namespace glob'),
  excludeNamespaces: globs('a namespace glob'),
  includeResources: globs('a resource such as deployments.apps'),
  excludeResources: globs('a resource such as events'),
  labelSelector: z.string().optional(),
  clusterScoped: z.boolean({ error: 'expected true or false' }).default(true),
  /** Also store every object at each other served version of its type (restores into clusters that dropped a version). */
  allVersions: z.boolean({ error: 'expected true or false' }).default(false),
});

const volumesSource = z.strictObject({
  type: z.literal('volumes'),
  workloads: nonEmptyStrings('a workload as namespace/kind/name').optional(),
  namespaces: globs('a namespace glob'),
  labelSelector: z.string().optional(),
  pvcs: nonEmptyStrings('a PVC as namespace/name').optional(),
  mode: z.enum(['auto', 'rbd', 'files', 'csi'], { error: 'expected auto, rbd, files or csi' }).default('auto'),
  volumeSnapshotClass: z.string().optional(),
  /** The block RBD images are stored in (64KiB to 32MiB, a power of two; default 4MiB). */
  rbdBlockSize: z
    .string({ error: 'expected a size such as 64KiB or 4MiB' })
    .refine(isBlockSize, { error: 'expected a power of two from 64KiB to 32MiB, such as 64KiB or 4MiB' })
    .optional(),
  /**
   * Which Strata snapshots Ceph keeps of each RBD image, for fast rollback (GFS, as
   * `retention:`); the newest is always kept as the next diff base. Default: only that one.
   */
  liveSnapshots: keepSchema.optional(),
  ceph: z
    .strictObject({
      confFile: filePath().optional(),
      keyringFile: filePath().optional(),
      /** Run rbd in the Rook toolbox pod (pods/exec); confFile and keyringFile are then paths in the pod. */
      toolbox: z.strictObject({ namespace: z.string().min(1), selector: z.string().min(1).default('app=rook-ceph-tools'), container: z.string().min(1).optional() }).optional(),
      /** How long one rbd command may take; one that streams an image, how long it may go without moving a byte. */
      timeout: duration().default('10m'),
    })
    .optional(),
});

const registrySource = z.strictObject({
  type: z.literal('registry'),
  url: z.url({ error: 'expected the registry URL, e.g. https://registry.example.com' }),
  repositories: globs('a repository glob'),
});

const swarmSource = z.strictObject({
  type: z.enum(['swarm', 'mke', 'msr']),
  host: z.string().optional(),
});

const commandSource = z.strictObject({
  type: z.literal('command'),
  name: z.string().min(1),
  command: nonEmptyStrings('a command argument').min(1),
  timeout: duration().default('30m'),
});

export const sourceSchema = z.discriminatedUnion(
  'type',
  [etcdSource, filesSource, objectsSource, volumesSource, registrySource, swarmSource, commandSource],
  { error: 'expected a source with type etcd, files, objects, volumes, registry, swarm, mke, msr or command' },
);

export type SourceConfig = z.output<typeof sourceSchema>;
