/**
 * Field types shared by the configuration schema, each with the message an operator reads
 * when the value is wrong. The loader appends what was found (`got "seven"`) and the line.
 */
import { z } from 'zod';
import { Duration } from '../duration.ts';

export const count = () => z.int({ error: 'expected a whole number' }).min(0, { error: 'expected a whole number ≥ 0' });

export const name = (what: string) =>
  z
    .string({ error: `expected a ${what} name` })
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
      error: `expected a ${what} name of lowercase letters, digits and '-' (at most 63)`,
    });

export const duration = () =>
  z
    .string({ error: 'expected a duration such as "90s", "15m", "24h" or "7d"' })
    .refine((text) => Duration.parse(text) !== undefined, {
      error: 'expected a duration such as "90s", "15m", "24h" or "7d"',
    });

/** A path to a file holding a secret: the secret itself never goes into strata.yaml. */
export const secretFile = () => z.string({ error: 'expected the path of a file holding the secret' }).min(1);

export const filePath = () => z.string({ error: 'expected a file path' }).min(1, { error: 'expected a file path' });

export const nonEmptyStrings = (what: string) =>
  z.array(z.string({ error: `expected ${what}` }).min(1), { error: `expected a list of ${what}` });
