/** The schema of the mke source's entry in a snapshot manifest: the record of mke/record.ts, checked. */
import { z } from 'zod';

export const mkeManifest = z.strictObject({
  type: z.literal('mke'),
  record: z.strictObject({
    method: z.enum(['api', 'cli']),
    version: z.string().min(1),
    manager: z.string().min(1),
    backupId: z.string().optional(),
    archive: z.string().min(1),
    encrypted: z.boolean(),
    includeLogs: z.boolean(),
    bytes: z.int().min(0),
    durationMs: z.int().min(0),
    entries: z.int().min(0).optional(),
    verified: z.boolean(),
    exit: z.string().optional(),
    stderrTail: z.string().optional(),
    failed: z.string().optional(),
  }),
});
