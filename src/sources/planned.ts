/**
 * Plan entries of sources this version cannot run yet (registry):
 * strata.yaml may already name them, checked for typos, and a run refuses them by name
 * instead of skipping them.
 */
import { z } from 'zod';
import { nonEmptyStrings } from '../core/config/fields.ts';

export const plannedEntries = [
  z.strictObject({
    type: z.literal('registry'),
    url: z.url({ error: 'expected the registry URL, e.g. https://registry.example.com' }),
    repositories: nonEmptyStrings('a repository glob').optional(),
  }),
] as const;

export const PLANNED_TYPES: readonly string[] = ['registry'];
