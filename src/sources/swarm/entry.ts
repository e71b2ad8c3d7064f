/**
 * The `swarm` entry of a plan's sources: which manager's Engine API to read the swarm
 * through, and how the raft state of this manager is copied (cold by default: the engine
 * is stopped through the given commands, only when the swarm keeps quorum without it).
 */
import { z } from 'zod';
import { duration, filePath, nonEmptyStrings, secretFile } from '../../core/config/fields.ts';
import { DEFAULT_DOCKER_HOST } from '../../docker/connection.ts';

const command = (what: string) => nonEmptyStrings(`an argument of the ${what} command`).min(1, { error: `expected the ${what} command as an argument list, e.g. ["systemctl", "${what}", "docker"]` });

export const swarmEntry = z.strictObject({
  type: z.literal('swarm'),
  /** unix:///var/run/docker.sock (default) or tcp://HOST:PORT with `tls`. */
  host: z.string({ error: 'expected unix:///var/run/docker.sock or tcp://HOST:PORT' }).default(DEFAULT_DOCKER_HOST),
  tls: z.strictObject({ ca: filePath(), cert: filePath(), key: secretFile() }).optional(),
  /**
   * cold: stop this manager's engine, copy DATA_ROOT/swarm, start it again (Docker's
   * documented backup; only on a follower whose peers keep quorum). hot: copy it while the
   * engine runs (consistent only as far as raft's own files are). export: the logical
   * export alone.
   */
  mode: z.enum(['cold', 'hot', 'export'], { error: 'expected cold, hot or export' }).default('cold'),
  /** When a cold copy is refused (leader, quorum): refuse the run (exit 4) or take a hot copy, marked as such. */
  onRefusal: z.enum(['refuse', 'hot'], { error: 'expected refuse or hot' }).default('refuse'),
  /** The engine's --data-root on this node (below the run's host root). */
  dataRoot: filePath().default('/var/lib/docker'),
  stopCommand: command('stop').default(['systemctl', 'stop', 'docker']),
  startCommand: command('start').default(['systemctl', 'start', 'docker']),
  /** How long the stop and start commands may each run. */
  commandTimeout: duration().default('2m'),
  /** How long to wait, after the start, for this node to be a Ready, reachable manager with quorum whole. */
  rejoinTimeout: duration().default('5m'),
  /**
   * The plan runs on every manager (a timer on each) and the runs share the work: per cycle
   * one run, on a follower that may stop, takes the export and the raft copy; the others
   * store nothing and say who did it (claim.ts).
   */
  ha: z.strictObject({
    /** Runs in the same window of time (aligned to UTC) are one cycle: no longer than the time between runs. */
    window: duration().default('1h'),
    /** How long a manager that may not take a cold copy (the leader) waits for a follower to claim the cycle before taking it itself. */
    wait: duration().default('2m'),
  }).optional(),
});

export type SwarmEntry = z.output<typeof swarmEntry>;
