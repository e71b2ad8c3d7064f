/**
 * The swarm source on the Source contract: a logical export of a Docker Swarm through one
 * manager's Engine API (swarm spec, nodes, services, networks, configs, secrets' metadata,
 * the unlock key under autolock), each object its own blob, and its restore into a swarm.
 */
import { DockerEngine } from '../../docker/http.ts';
import type { Source } from '../source.ts';
import { storeSwarm } from './backup.ts';
import { swarmEntry, type SwarmEntry } from './entry.ts';
import { swarmManifest } from './manifest.ts';
import { readSwarm } from './read-swarm.ts';
import type { SwarmRecord } from './record.ts';
import { planSwarmRestore, type SwarmRestoreOptions } from './restore.ts';

export const swarmSource: Source<SwarmEntry, undefined, SwarmRestoreOptions> = {
  type: 'swarm',
  // After the Kubernetes sources; on a Mirantis platform MKE and MSR come after it.
  order: 50,
  entry: swarmEntry,
  manifest: swarmManifest,

  namedFiles(entry, field) {
    return entry.tls === undefined ? [] : [[`${field}.tls.ca`, entry.tls.ca, 'certificate'], [`${field}.tls.cert`, entry.tls.cert, 'certificate'], [`${field}.tls.key`, entry.tls.key, 'private-key']];
  },

  async prepare(entry, settings) {
    const engine = new DockerEngine({ host: entry.host, field: settings.field('host'), ...(entry.tls !== undefined && { tls: entry.tls }) });
    return {
      async backup(context) {
        try {
          context.progress(() => `swarm: reading through ${entry.host}`);
          const stored = await storeSwarm(context.writer, entry.host, await readSwarm(engine));
          const objects = Object.values(stored.record.counts).reduce((a, b) => a + b, 0);
          return {
            node: stored.node,
            source: { type: 'swarm', record: stored.record },
            warnings: [],
            failed: false,
            summary: { files: objects, dirs: 0, bytes: stored.bytes },
          };
        } finally {
          engine.close();
        }
      },
    };
  },

  describe(source) {
    const swarm = source.record as SwarmRecord;
    const c = swarm.counts;
    return {
      headline: `swarm ${swarm.swarmId.slice(0, 12)} through ${swarm.manager.hostname}: ${swarm.managers} managers, ${swarm.workers} workers, ${c.services} services, ${c.networks} networks, ${c.configs} configs, ${c.secrets} secrets (metadata)${swarm.autolock ? ', autolock on (unlock key stored)' : ''}`,
      details: [
        ...swarm.stacks.map((stack) => ['stack', stack] as const),
        ...Object.entries(swarm.secretUse).map(([secret, services]) => ['secret', `${secret}: used by ${services.join(', ')}`] as const),
      ],
      labels: [`swarm:${c.services}`],
    };
  },

  restore: planSwarmRestore,
};
