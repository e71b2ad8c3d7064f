/**
 * The swarm source on the Source contract: a logical export of a Docker Swarm through one
 * manager's Engine API (swarm spec, nodes, services, networks, configs, secrets' metadata,
 * the unlock key under autolock), each object its own blob, and its restore into a swarm.
 */
import { DockerEngine } from '../../docker/http.ts';
import type { Source } from '../source.ts';
import { formatBytes, formatSeconds } from '../../core/format.ts';
import { storeSwarm } from './backup.ts';
import { managerInfo } from '../../docker/swarm-api.ts';
import { claimCycle } from './claim.ts';
import { finishClaim, type Claimed } from '../../docker/cycle-claim.ts';
import { copyRaft } from './raft-copy.ts';
import { swarmEntry, type SwarmEntry } from './entry.ts';
import { swarmManifest } from './manifest.ts';
import { readSwarm } from './read-swarm.ts';
import type { RaftRecord, SwarmRecord } from './record.ts';
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
    const plan = settings.plan ?? 'backup';
    return {
      async backup(context) {
        let claimed: Claimed | undefined;
        try {
          if (entry.ha !== undefined) {
            context.progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] swarm: claiming this cycle among the managers`);
            const claim = await claimCycle(engine, await managerInfo(engine), { ...entry, ha: entry.ha }, plan);
            if ('leftTo' in claim) return claim;
            claimed = claim;
          }
          let stage = `reading the swarm through ${entry.host}`;
          context.progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] swarm: ${stage}`);
          // The export first, while this engine answers; then the raft copy, which may stop it.
          const exported = await readSwarm(engine);
          stage = entry.mode === 'cold' ? 'cold copy of the raft state (engine stopped)' : 'copying the raft state';
          const raft = entry.mode === 'export' ? undefined : await copyRaft(engine, entry, settings.hostRoot, context, exported.unlockKey);
          const stored = await storeSwarm(context.writer, entry.host, exported, raft && { node: raft.tree.node, record: raft.record });
          const objects = Object.values(stored.record.counts).reduce((a, b) => a + b, 0);
          const failed = raft !== undefined && (raft.tree.failed || raft.record.rejoined === false);
          const unmarked = claimed === undefined ? undefined : await finishClaim(engine, claimed, failed ? 'failed' : 'done');
          claimed = undefined;
          return {
            node: stored.node,
            source: { type: 'swarm', record: stored.record },
            warnings: [...(raft?.warnings ?? []), ...(unmarked === undefined ? [] : [unmarked])],
            failed,
            summary: { files: objects + (raft?.tree.files ?? 0), dirs: raft?.tree.dirs ?? 0, bytes: stored.bytes + (raft?.tree.bytes ?? 0) },
          };
        } finally {
          // A run that failed after claiming says so on the claim; the next cycle is claimed afresh.
          if (claimed !== undefined) await finishClaim(engine, claimed, 'failed');
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
        ...(swarm.raft === undefined ? [] : [['raft', raftLine(swarm.raft)] as const]),
        ...swarm.stacks.map((stack) => ['stack', stack] as const),
        ...Object.entries(swarm.secretUse).map(([secret, services]) => ['secret', `${secret}: used by ${services.join(', ')}`] as const),
      ],
      labels: [`swarm:${c.services}`, ...(swarm.raft === undefined ? [] : [`raft:${swarm.raft.mode}`])],
    };
  },

  restore: planSwarmRestore,
};

function raftLine(raft: RaftRecord): string {
  const where = `${raft.node.hostname} (${raft.node.address}${raft.leader ? ', leader' : ''})`;
  const cold = raft.mode === 'cold' ? `, engine down ${formatSeconds((raft.downtimeMs ?? 0) / 1000)}${raft.rejoined === false ? ', NOT back in time' : ''}` : '';
  return `${raft.mode} copy of ${raft.dataRoot}/swarm on ${where}: ${raft.files} files, ${formatBytes(raft.bytes)}${cold}${raft.refusedCold === undefined ? '' : `; cold refused: ${raft.refusedCold}`}`;
}
