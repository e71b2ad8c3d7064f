/** The schema of the swarm source's entry in a snapshot manifest: the record of swarm/record.ts, checked. */
import { z } from 'zod';

const count = z.int().min(0);

export const swarmManifest = z.strictObject({
  type: z.literal('swarm'),
  record: z.strictObject({
    engine: z.string().min(1),
    swarmId: z.string().min(1),
    manager: z.strictObject({ hostname: z.string(), id: z.string().min(1) }),
    managers: count,
    workers: count,
    autolock: z.boolean(),
    unlockKeyStored: z.boolean(),
    counts: z.strictObject({ networks: count, configs: count, secrets: count, services: count, nodes: count }),
    secretUse: z.record(z.string(), z.array(z.string())),
    stacks: z.array(z.string()),
    raft: z.strictObject({
      mode: z.enum(['cold', 'hot']),
      refusedCold: z.string().optional(),
      node: z.strictObject({ id: z.string().min(1), hostname: z.string(), address: z.string() }),
      leader: z.boolean(),
      dataRoot: z.string().min(1),
      files: count,
      bytes: count,
      downtimeMs: count.optional(),
      rejoined: z.boolean().optional(),
    }).optional(),
  }),
});
