/** The `files` entry of a plan's sources: paths, or the control-plane preset. */
import { z } from 'zod';
import { nonEmptyStrings } from '../../core/config/fields.ts';

export const filesEntry = z.strictObject({
  type: z.literal('files'),
  /** `control-plane` discovers /etc/kubernetes, kubelet config, EncryptionConfiguration, /etc/etcd.env. */
  preset: z.enum(['control-plane'], { error: 'expected "control-plane"' }).optional(),
  paths: nonEmptyStrings('a path').default([]),
  exclude: nonEmptyStrings('a glob').optional(),
});

export type FilesEntry = z.output<typeof filesEntry>;
