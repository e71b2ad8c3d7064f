/**
 * Plan entries of sources this version cannot run yet (registry, mke, msr, command):
 * strata.yaml may already name them, checked for typos, and a run refuses them by name
 * instead of skipping them.
 */
import { z } from 'zod';
import { duration, nonEmptyStrings } from '../core/config/fields.ts';

export const plannedEntries = [
  z.strictObject({
    type: z.literal('registry'),
    url: z.url({ error: 'expected the registry URL, e.g. https://registry.example.com' }),
    repositories: nonEmptyStrings('a repository glob').optional(),
  }),
  z.strictObject({
    type: z.enum(['mke', 'msr']),
    host: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('command'),
    name: z.string().min(1),
    command: nonEmptyStrings('a command argument').min(1),
    timeout: duration().default('30m'),
  }),
] as const;

export const PLANNED_TYPES: readonly string[] = ['registry', 'mke', 'msr', 'command'];
