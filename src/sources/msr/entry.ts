/**
 * The `msr` entry of a plan's sources: MSR's (DTR's) metadata backup, run as its documentation
 * runs it (`docker run -i --rm mirantis/dtr:VERSION backup …`) on a node that hosts an MSR
 * replica, with the MKE password given to the container in its environment, never on a
 * command line. Image content is not in this backup (the registry source keeps images).
 */
import { z } from 'zod';
import { duration, filePath, secretFile } from '../../core/config/fields.ts';
import { DEFAULT_DOCKER_HOST } from '../../docker/connection.ts';
import { cycleSchema, placementSchema } from '../placement.ts';

export const msrEntry = z.strictObject({
  type: z.literal('msr'),
  /** The mirantis/dtr image of the running MSR version (mirantis/dtr:2.9.29). */
  image: z.string({ error: 'expected the mirantis/dtr image of the running MSR, e.g. mirantis/dtr:2.9.29' }).min(1),
  /** MKE's address, as MSR's --ucp-url takes it. */
  ucpUrl: z.string({ error: 'expected MKE\'s URL, e.g. https://mke.example.com' }).min(1),
  ucpUsername: z.string({ error: 'expected an MKE admin\'s user name' }).min(1),
  /** A file (mode 0600) holding that admin's password. */
  ucpPasswordFile: secretFile(),
  /** MKE's CA certificate (PEM file), passed as --ucp-ca; without it, ucpInsecureTls must say so. */
  ucpCa: filePath().optional(),
  ucpInsecureTls: z.boolean().default(false),
  /** The engine on this node, where the replica's containers run. */
  dockerHost: z.string().default(DEFAULT_DOCKER_HOST),
  /** docker run --network for the backup container (the engine's default when unset). */
  network: z.string().min(1).optional(),
  timeout: duration().default('30m'),
  where: placementSchema,
  ha: cycleSchema,
}).superRefine((entry, ctx) => {
  if (entry.ucpCa === undefined && !entry.ucpInsecureTls) ctx.addIssue({ code: 'custom', path: ['ucpCa'], message: 'expected MKE\'s CA certificate file (or ucpInsecureTls: true)' });
});

export type MsrEntry = z.output<typeof msrEntry>;
