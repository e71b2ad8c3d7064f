/** The schema of the objects source's entry in a snapshot manifest: the record of objects/record.ts, checked. */
import { z } from 'zod';

const count = z.int().min(0);

export const objectsManifest = z.strictObject({
  type: z.literal('objects'),
  record: z.strictObject({
    server: z.string().min(1),
    clusterId: z.string().optional(),
    labelSelector: z.string().optional(),
    objects: count,
    types: z.array(z.strictObject({
      group: z.string(),
      version: z.string().min(1),
      resource: z.string().min(1),
      kind: z.string().min(1),
      namespaced: z.boolean(),
      objects: count,
      otherVersions: z.array(z.strictObject({ version: z.string().min(1), objects: count })).optional(),
    })),
    skipped: z.array(z.strictObject({ type: z.string(), reason: z.string(), count: count.optional(), examples: z.array(z.string()).optional() })),
    failures: z.array(z.strictObject({ type: z.string(), namespaces: z.array(z.string()).optional(), error: z.string() })),
  }),
});
