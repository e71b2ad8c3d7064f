/**
 * A copy of this manager's raft state (DATA_ROOT/swarm) into the snapshot. Cold, as
 * Docker documents it: only on a manager that is not the leader and whose peers keep
 * quorum without it; the engine is stopped through the configured command, the directory
 * copied with modes and owners, the engine started again, and the run waits (bounded)
 * until this node is a Ready, reachable manager and every manager that was up is again.
 * Whatever fails after the stop, an interruption included, the engine is started again
 * (and unlocked under autolock).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Refused } from '../../core/errors.ts';
import { mayStopForColdCopy, quorumOf, type SwarmMember } from '../../core/swarm/quorum.ts';
import type { DockerEngine } from '../../docker/http.ts';
import { managerInfo, memberOf } from '../../docker/swarm-api.ts';
import type { EngineInfo, SwarmNode } from '../../docker/swarm-types.ts';
import { holdExit } from '../../programs/interruption.ts';
import type { BackupContext, DirectoryBackup } from '../source.ts';
import { ms, runEngineCommand } from './engine-control.ts';
import type { SwarmEntry } from './entry.ts';
import { RAFT_DIR } from './layout.ts';
import type { RaftRecord } from './record.ts';

export interface RaftCopy {
  readonly record: RaftRecord;
  readonly tree: DirectoryBackup;
  readonly warnings: readonly string[];
}


async function members(engine: DockerEngine): Promise<SwarmMember[]> {
  return (await engine.json<SwarmNode[]>('/nodes')).map(memberOf);
}


/**
 * Polls until this node is back as a Ready, reachable manager and `expected` managers are
 * reachable; false when the time ran out. Under autolock the engine starts locked: it is
 * unlocked with the swarm's key, read by the export (with its peers up, the unlock returns
 * once the node has rejoined).
 */
async function waitForRejoin(engine: DockerEngine, self: string, expected: number, timeoutMs: number, unlockKey: string | undefined): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 100_000 && Date.now() < deadline; attempt++) {
    try {
      if (unlockKey !== undefined && (await engine.json<EngineInfo>('/info')).Swarm.LocalNodeState === 'locked') await engine.json('/swarm/unlock', { method: 'POST', body: { UnlockKey: unlockKey } });
      const now = await members(engine);
      const me = now.find((m) => m.id === self);
      if (me !== undefined && me.ready && me.reachable && quorumOf(now).reachable >= expected) return true;
    } catch {
      // the engine is still starting, or not yet a manager again
    }
    await sleep(500);
  }
  return false;
}

export async function copyRaft(engine: DockerEngine, entry: SwarmEntry, hostRoot: string, context: BackupContext<unknown>, unlockKey: string | undefined): Promise<RaftCopy> {
  const info = await managerInfo(engine);
  const self = info.Swarm.NodeID;
  const before = await members(engine);
  const me = before.find((m) => m.id === self);
  const node = { id: self, hostname: me?.hostname ?? info.Name, address: me?.address ?? info.Swarm.NodeAddr };
  const directory = join(hostRoot, entry.dataRoot, 'swarm');
  const warnings: string[] = [];
  const hot = async (fellBack?: string): Promise<RaftCopy> => {
    const tree = await context.fileTrees.backupDirectory(context.repository, context.writer, directory, RAFT_DIR, undefined, context.signal);
    return { tree, warnings: [...warnings, ...tree.warnings], record: { mode: 'hot', ...(fellBack !== undefined && { refusedCold: fellBack }), node, leader: me?.leader === true, dataRoot: entry.dataRoot, files: tree.files, bytes: tree.bytes } };
  };
  if (entry.mode === 'hot') return hot();

  const verdict = mayStopForColdCopy(before, self);
  if (!verdict.allowed) {
    if (entry.onRefusal === 'hot') {
      warnings.push(`cold copy of the raft state refused (${verdict.reason}); took a hot copy instead`);
      return hot(verdict.reason);
    }
    throw new Refused(`cold copy of the swarm raft state refused: ${verdict.reason}`, {
      hint: 'run it on a follower manager while the others are up (`strata swarm status`), or set onRefusal: hot (or --swarm-mode hot) for a hot copy',
    });
  }
  const upBefore = quorumOf(before).reachable;
  const release = holdExit({ what: `starting the Docker Engine on ${node.hostname} again`, byHand: [entry.startCommand.join(' ')] });
  const stoppedAt = Date.now();
  let tree: DirectoryBackup | undefined;
  let rejoined: boolean;
  try {
    await runEngineCommand(entry.stopCommand, 'stop', ms(entry.commandTimeout));
    tree = await context.fileTrees.backupDirectory(context.repository, context.writer, directory, RAFT_DIR, undefined, context.signal);
  } finally {
    try {
      await runEngineCommand(entry.startCommand, 'start', ms(entry.commandTimeout));
      rejoined = await waitForRejoin(engine, self, upBefore, ms(entry.rejoinTimeout), unlockKey);
    } finally {
      release();
    }
  }
  const downtimeMs = Date.now() - stoppedAt;
  if (!rejoined) warnings.push(`${node.hostname} (${self}) was not back as a Ready, reachable manager with ${upBefore} managers reachable within ${entry.rejoinTimeout}: check \`strata swarm status\``);
  return {
    tree,
    warnings: [...warnings, ...tree.warnings],
    record: { mode: 'cold', node, leader: false, dataRoot: entry.dataRoot, files: tree.files, bytes: tree.bytes, downtimeMs, rejoined },
  };
}
