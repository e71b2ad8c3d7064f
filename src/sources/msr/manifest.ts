/** The schema of the msr source's entry in a snapshot manifest: the record of msr/record.ts, checked. */
import { z } from 'zod';

export const msrManifest = z.strictObject({
  type: z.literal('msr'),
  record: z.strictObject({
    image: z.string().min(1),
    replicaId: z.string(),
    node: z.string().min(1),
    archive: z.string().min(1),
    exit: z.string(),
    stderrTail: z.string(),
    bytes: z.int().min(0),
    durationMs: z.int().min(0),
    entries: z.int().min(0).optional(),
    notIncluded: z.string().min(1),
    failed: z.string().optional(),
  }),
});
