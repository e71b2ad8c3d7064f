/** The schema of the files source's entry in a snapshot manifest: the absolute paths backed up. */
import { z } from 'zod';

export const filesManifest = z.strictObject({
  type: z.literal('files'),
  paths: z.array(z.string().startsWith('/')).min(1),
});
