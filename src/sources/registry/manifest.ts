/** The schema of the registry source's entry in a snapshot manifest: the record of registry/record.ts, checked. */
import { z } from 'zod';

const digest = z.string().regex(/^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/);

export const registryManifest = z.strictObject({
  type: z.literal('registry'),
  record: z.strictObject({
    url: z.string().min(1),
    repositories: z.array(z.strictObject({
      name: z.string().min(1),
      tags: z.array(z.strictObject({
        tag: z.string().min(1),
        digest,
        mediaType: z.string().min(1),
        platforms: z.array(z.string()).optional(),
        partial: z.literal(true).optional(),
      })),
    })),
    manifests: z.int().min(0),
    blobs: z.int().min(0),
    bytes: z.int().min(0),
    fetched: z.strictObject({ blobs: z.int().min(0), bytes: z.int().min(0) }),
    missed: z.array(z.string()),
    skipped: z.array(z.string()),
    failed: z.string().optional(),
  }),
});
