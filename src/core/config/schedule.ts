/** A cron schedule in a time zone, as plans (`schedule:`) and drills (`drill.schedule:`) spell it. */
import { z } from 'zod';
import { cronProblem } from '../schedule/cron.ts';
import { duration } from './fields.ts';
import { timeZone } from './keep.ts';

export const scheduleSchema = z.strictObject({
  cron: z
    .string({ error: 'expected a cron expression such as "0 1 * * *"' })
    .min(1)
    .superRefine((value, ctx) => {
      const problem = cronProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `expected a cron expression such as "0 1 * * *" (${problem})` });
    }),
  timeZone: timeZone().default('UTC'),
  /** A random delay up to this long, so many clusters do not hit one repository at once. */
  jitter: duration().optional(),
});
