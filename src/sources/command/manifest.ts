/** The schema of the command source's entry in a snapshot manifest: the record of command/record.ts, checked. */
import { z } from 'zod';

const argv = z.array(z.string()).min(1);

export const commandManifest = z.strictObject({
  type: z.literal('command'),
  record: z.strictObject({
    items: z.array(z.strictObject({
      name: z.string().min(1),
      command: argv,
      exit: z.string().min(1),
      durationMs: z.int().min(0),
      bytes: z.int().min(0),
      stderrTail: z.string(),
      verify: z.strictObject({ command: argv, exit: z.string(), ok: z.boolean() }).optional(),
      failed: z.string().optional(),
      restore: z.strictObject({
        command: argv,
        cwd: z.string().optional(),
        env: z.record(z.string(), z.string()).optional(),
        envFiles: z.array(z.string()).optional(),
        envFromFiles: z.record(z.string(), z.string()).optional(),
        timeout: z.string(),
      }).optional(),
    })).min(1),
  }),
});
