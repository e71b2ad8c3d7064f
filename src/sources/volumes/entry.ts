/** The `volumes` entry of a plan's sources: which claims' data, read how, and Ceph's settings. */
import { z } from 'zod';
import { duration, filePath, nonEmptyStrings } from '../../core/config/fields.ts';
import { keepSchema } from '../../core/config/keep.ts';
import { isBlockSize } from '../../core/volumes/block-size.ts';

export const volumesEntry = z.strictObject({
  type: z.literal('volumes'),
  workloads: nonEmptyStrings('a workload as namespace/kind/name').optional(),
  namespaces: nonEmptyStrings('a namespace name').optional(),
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
      /** The Ceph client id (client.ID) rbd authenticates as. */
      id: z.string().min(1).optional(),
      /** Run rbd in the Rook toolbox pod (pods/exec); confFile and keyringFile are then paths in the pod. */
      toolbox: z.strictObject({ namespace: z.string().min(1), selector: z.string().min(1).default('app=rook-ceph-tools'), container: z.string().min(1).optional() }).optional(),
      /** How long one rbd command may take; one that streams an image, how long it may go without moving a byte. */
      timeout: duration().default('10m'),
    })
    .optional(),
});

export type VolumesEntry = z.output<typeof volumesEntry>;
