/** The `etcd` entry of a plan's sources: the cluster's etcd: settings say where it is. */
import { z } from 'zod';

export const etcdEntry = z.strictObject({
  type: z.literal('etcd'),
  /** Take the snapshot even when members disagree or an alarm is raised; marks it dirty. */
  force: z.boolean().default(false),
});

export type EtcdEntry = z.output<typeof etcdEntry>;
