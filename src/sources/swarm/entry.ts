/** The `swarm` entry of a plan's sources: which manager's Engine API to read the swarm through. */
import { z } from 'zod';
import { filePath, secretFile } from '../../core/config/fields.ts';
import { DEFAULT_DOCKER_HOST } from '../../docker/connection.ts';

export const swarmEntry = z.strictObject({
  type: z.literal('swarm'),
  /** unix:///var/run/docker.sock (default) or tcp://HOST:PORT with `tls`. */
  host: z.string({ error: 'expected unix:///var/run/docker.sock or tcp://HOST:PORT' }).default(DEFAULT_DOCKER_HOST),
  tls: z.strictObject({ ca: filePath(), cert: filePath(), key: secretFile() }).optional(),
});

export type SwarmEntry = z.output<typeof swarmEntry>;
