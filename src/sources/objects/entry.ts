/** The `objects` entry of a plan's sources: which API objects of the plan's cluster. */
import { z } from 'zod';
import { nonEmptyStrings } from '../../core/config/fields.ts';

const globs = (what: string) => nonEmptyStrings(what).optional();

export const objectsEntry = z.strictObject({
  type: z.literal('objects'),
  includeNamespaces: globs('a namespace glob'),
  excludeNamespaces: globs('a namespace glob'),
  includeResources: globs('a resource such as deployments.apps'),
  excludeResources: globs('a resource such as events'),
  labelSelector: z.string().optional(),
  clusterScoped: z.boolean({ error: 'expected true or false' }).default(true),
  /** Also store every object at each other served version of its type (restores into clusters that dropped a version). */
  allVersions: z.boolean({ error: 'expected true or false' }).default(false),
  /** A type named in includeResources that the cluster does not serve: an error (the default from the CLI) or recorded. */
  unknownTypes: z.enum(['error', 'record'], { error: 'expected error or record' }).optional(),
});

export type ObjectsEntry = z.output<typeof objectsEntry>;
