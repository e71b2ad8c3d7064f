/**
 * `strata swarm restore ID`: a manager's raft copy put back, Docker's disaster recovery in
 * the order that works. On the stopped engine the current DATA_ROOT/swarm is moved aside
 * (never deleted), the copy written in its place with modes and owners, and under autolock
 * its node key opened with the stored unlock key (node-key.ts says why it cannot be unlocked
 * after the start). The engine is started, `docker swarm init --force-new-cluster` makes
 * this node the only manager, with the swarm's own settings (the CLI's init would reset
 * them), and the run waits until it leads and checks that the snapshot's objects are there.
 * What is left is done by hand on other hosts, and printed: the old managers rejoin, the
 * join tokens and the unlock key are rotated.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationError, Refused, UsageError } from '../../core/errors.ts';
import { formatBytes } from '../../core/format.ts';
import type { DockerEngine } from '../../docker/http.ts';
import type { EngineInfo, SwarmConfig, SwarmNetwork, SwarmNode, SwarmService } from '../../docker/swarm-types.ts';
import { holdExit } from '../../programs/interruption.ts';
import { moveAside, putBack } from '../move-aside.ts';
import type { PlannedRestore, RestoreContext, RestoreOutcome } from '../source.ts';
import { ms, runEngineCommand } from './engine-control.ts';
import { unlockNodeKey } from './node-key.ts';
import type { RaftRecord } from './record.ts';
import { readStoredSwarm, type StoredSwarmObjects } from './stored.ts';

export interface RaftRestoreOptions {
  readonly kind: 'raft';
  readonly engine: DockerEngine;
  /** The engine's --data-root on this machine. */
  readonly dataRoot: string;
  readonly stopCommand: readonly string[];
  readonly startCommand: readonly string[];
  readonly commandTimeout: string;
  /** How long to wait for the engine to answer after the start, and then to lead. */
  readonly readyTimeout: string;
  readonly listenAddr: string;
  /** The address the node advertises; the copy's own when unset. */
  readonly advertiseAddr?: string;
  /** Restore at an address other than the copy's, knowing the trap (docs/runbooks/swarm-restore.md). */
  readonly otherAddress: boolean;
  /** Replace the raft state of an engine that is an active member of a swarm now (a rollback). */
  readonly replaceActive: boolean;
}

const NODE_KEY = join('certificates', 'swarm-node.key');

function hostOf(address: string): string {
  const at = address.lastIndexOf(':');
  return (at < 0 ? address : address.slice(0, at)).replace(/^\[|\]$/g, '');
}

/** Whether this machine has the IP: on an interface, or anywhere in 127/8 (all of it is the loopback on Linux). */
function isLocalAddress(ip: string): boolean {
  if (ip.startsWith('127.') || ip === '::1') return true;
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === ip));
}

async function engineInfo(engine: DockerEngine): Promise<EngineInfo | undefined> {
  try {
    return await engine.json<EngineInfo>('/info');
  } catch {
    return undefined;
  }
}

/** Polls until `ready` holds for the engine's /info, or the time runs out (then the last state is thrown). */
async function waitForEngine(engine: DockerEngine, what: string, timeoutMs: number, ready: (info: EngineInfo) => boolean): Promise<EngineInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: EngineInfo | undefined;
  for (let attempt = 0; attempt < 100_000 && Date.now() < deadline; attempt++) {
    last = await engineInfo(engine);
    if (last !== undefined && ready(last)) return last;
    await sleep(500);
  }
  const state = last === undefined ? 'the engine does not answer' : `state ${last.Swarm.LocalNodeState}${last.Swarm.Error ? `: ${last.Swarm.Error}` : ''}`;
  throw new OperationError(`${engine.endpoint.host}: ${what} within ${Math.round(timeoutMs / 1000)} s (${state})`, { hint: 'see the engine\'s log (journalctl -u docker); the raft copy is in place, so the init can be run by hand: docker swarm init --force-new-cluster' });
}

function describeCopy(raft: RaftRecord): string {
  return `${raft.mode} copy of ${raft.dataRoot}/swarm on ${raft.node.hostname} (${raft.node.address}), ${raft.files} files, ${formatBytes(raft.bytes)}`;
}

/** Refuses what the restore must not do without being told: a live swarm replaced, or the address trap. */
async function checkTarget(stored: StoredSwarmObjects, raft: RaftRecord, options: RaftRestoreOptions, advertise: string): Promise<EngineInfo | undefined> {
  if (!existsSync(options.dataRoot) || !statSync(options.dataRoot).isDirectory()) throw new UsageError(`--docker-data-root ${options.dataRoot}: no such directory`, { hint: 'give the engine\'s --data-root on this machine (docker info --format {{.DockerRootDir}})' });
  if (stored.record.autolock && stored.unlockKey === undefined) throw new OperationError('the swarm was autolocked but the snapshot holds no unlock key', { hint: 'restore by hand with the key kept apart (docs/runbooks/swarm-restore.md)' });
  const ip = hostOf(raft.node.address);
  if ((advertise !== raft.node.address || !isLocalAddress(ip)) && !options.otherAddress) {
    throw new Refused(`the raft copy belongs to the manager at ${raft.node.address}${isLocalAddress(ip) ? '' : ', an address this machine does not have'}, and would be restored to advertise ${advertise}: a restored manager keeps its old address in the raft state, and managers joining it later dial the dead one and lose quorum`, {
      hint: `restore on the machine at ${ip} (or give it that address first); --other-address goes ahead anyway`,
    });
  }
  const info = await engineInfo(options.engine);
  if (info?.Swarm.LocalNodeState === 'active' && !options.replaceActive) {
    throw new Refused(`${options.engine.endpoint.host} (${info.Name}) is an active member of swarm ${info.Swarm.Cluster?.ID.slice(0, 12) ?? '?'} now: a raft restore replaces its state and cuts it off from its peers`, {
      hint: 'run it on the manager being rebuilt; to roll a working swarm back to the snapshot, give --replace-active-swarm',
    });
  }
  return info;
}

function planText(snapshotId: string, raft: RaftRecord, options: RaftRestoreOptions, advertise: string, autolock: boolean, swarmDir: string, info: EngineInfo | undefined): string[] {
  const now = info === undefined ? 'not answering (taken as stopped)' : `answering, swarm state ${info.Swarm.LocalNodeState || 'inactive'}`;
  return [
    `raft restore of snapshot ${snapshotId.slice(0, 8)} into ${options.engine.endpoint.host} (${now}):`,
    `  copy: ${describeCopy(raft)}${autolock ? ', autolock on' : ''}`,
    `  1. stop the engine: ${options.stopCommand.join(' ')}`,
    `  2. move ${swarmDir} aside to ${swarmDir}.before-restore-<time> (never deleted; put back if the copy cannot be written)`,
    `  3. write the copy into ${swarmDir}, modes and owners kept`,
    ...(autolock ? [`  3a. open the copy's node key with the stored unlock key (a restored engine that starts locked cannot be unlocked without its old peers)`] : []),
    `  4. start the engine: ${options.startCommand.join(' ')} (started again whatever fails after step 1)`,
    `  5. docker swarm init --force-new-cluster --listen-addr ${options.listenAddr} --advertise-addr ${advertise}, keeping the swarm's settings${autolock ? ' (autolock on: the engine locks the key again)' : ''}`,
    `  6. wait (at most ${options.readyTimeout}) until this node leads; check the snapshot's services, networks, configs and secrets are there`,
    '  then by hand, printed when done: the old managers rejoin, the join tokens are rotated' + (autolock ? ', the unlock key is rotated' : ''),
  ];
}

/** Which of the snapshot's objects the restored swarm lacks, by kind. */
async function missingObjects(engine: DockerEngine, stored: StoredSwarmObjects): Promise<{ readonly present: number; readonly missing: readonly string[] }> {
  const [networks, configs, secrets, services] = await Promise.all([
    engine.json<SwarmNetwork[]>('/networks', { query: { filters: JSON.stringify({ scope: ['swarm'] }) } }),
    engine.json<SwarmConfig[]>('/configs'),
    engine.json<SwarmConfig[]>('/secrets'),
    engine.json<SwarmService[]>('/services'),
  ]);
  const have = {
    networks: new Set(networks.map((n) => n.Name)),
    configs: new Set(configs.map((c) => c.Spec.Name)),
    secrets: new Set(secrets.map((s) => s.Spec.Name)),
    services: new Set(services.map((s) => s.Spec.Name)),
  };
  let present = 0;
  const missing: string[] = [];
  for (const kind of ['networks', 'configs', 'secrets', 'services'] as const) {
    for (const name of stored.objects[kind].keys()) {
      if (have[kind].has(name)) present++;
      else missing.push(`${kind.slice(0, -1)} ${name}`);
    }
  }
  return { present, missing };
}

function nextSteps(nodes: readonly SwarmNode[], self: string, advertise: string, autolock: boolean): string[] {
  const oldManagers = nodes.filter((n) => n.ID !== self && n.Spec.Role === 'manager');
  const ids = oldManagers.map((n) => n.ID).join(' ');
  return [
    'next, by hand:',
    ...(oldManagers.length === 0 ? [] : [
      // --force-new-cluster took them out of raft; their node entries stay, as managers, until removed.
      `  1. here, drop the old managers' entries (they cannot come back with their old state): docker node rm --force ${ids}`,
      `  2. on each old manager (${oldManagers.map((n) => `${n.Description?.Hostname ?? n.ID} ${n.ManagerStatus?.Addr ?? n.Status.Addr ?? ''}`.trim()).join(', ')}): docker swarm leave --force, then`,
      `     docker swarm join --token <docker swarm join-token -q manager, run here> ${advertise}`,
      ...oldManagers.filter((n) => Object.keys(n.Spec.Labels ?? {}).length > 0).map((n) => `     then give the joined ${n.Description?.Hostname ?? n.ID} its labels again: docker node update ${Object.entries(n.Spec.Labels!).map(([k, v]) => `--label-add ${k}=${v}`).join(' ')} NEW_ID`),
    ]),
    '  3. rotate the join tokens (the copy carries the old ones): docker swarm join-token --rotate worker; docker swarm join-token --rotate manager',
    ...(autolock ? ['  4. rotate the unlock key and keep the new one apart (the old one is in every snapshot): docker swarm unlock-key --rotate'] : []),
    `  workers that reach ${advertise} reconnect on their own; others: docker swarm leave, then join with the worker token`,
  ];
}

export async function planRaftRestore({ repository, snapshot, fileTrees }: RestoreContext, options: RaftRestoreOptions): Promise<PlannedRestore> {
  const stored = await readStoredSwarm(repository, snapshot);
  const raft = stored.record.raft;
  const tree = stored.raftTree;
  if (raft === undefined || tree === undefined) {
    throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds the swarm's export without a raft copy (mode export)`, { hint: 'restore its objects with `strata restore ID --swarm`, or pick a snapshot labelled raft:cold (`strata snapshots`)' });
  }
  const { engine } = options;
  const autolock = stored.record.autolock;
  const advertise = options.advertiseAddr ?? raft.node.address;
  const info = await checkTarget(stored, raft, options, advertise);
  const swarmDir = join(options.dataRoot, 'swarm');
  const warnings = [
    ...(raft.mode === 'hot' ? [`this copy was taken while the engine ran${raft.refusedCold ? ` (cold refused: ${raft.refusedCold})` : ''}: raft replays its log on start; if the engine refuses it, restore a cold copy`] : []),
    ...(advertise === raft.node.address ? [] : [`restoring a copy of ${raft.node.address} to advertise ${advertise} (--other-address): managers that join later may dial ${raft.node.address} and lose quorum`]),
  ];
  const text = planText(snapshot.id, raft, options, advertise, autolock, swarmDir, info);
  return {
    text: [...text, ...warnings.map((w) => `  warning: ${w}`)].join('\n'),
    json: { snapshot: snapshot.id, target: engine.endpoint.host, copy: raft, dataRoot: options.dataRoot, listenAddr: options.listenAddr, advertiseAddr: advertise, autolock, steps: text.slice(2).map((s) => s.trim()), warnings },
    async apply(): Promise<RestoreOutcome> {
      const aside = await putCopyInPlace(options, swarmDir, () => fileTrees.restoreTree(repository, tree, swarmDir, []), autolock ? stored.unlockKey : undefined);
      await waitForEngine(engine, 'the engine did not answer after the start', ms(options.readyTimeout), () => true);
      await engine.json('/swarm/init', {
        method: 'POST',
        body: { ListenAddr: options.listenAddr, AdvertiseAddr: advertise, ForceNewCluster: true, AutoLockManagers: autolock, ...(stored.swarm !== undefined && { Spec: stored.swarm.Spec }) },
      });
      const led = await waitForEngine(engine, 'this node did not become the leader', ms(options.readyTimeout), (i) => i.Swarm.LocalNodeState === 'active' && i.Swarm.ControlAvailable);
      const check = await missingObjects(engine, stored);
      const nodes = await engine.json<SwarmNode[]>('/nodes');
      return {
        lines: [
          `restored the raft state of snapshot ${snapshot.id.slice(0, 8)} (${describeCopy(raft)}) into ${swarmDir}`,
          `swarm ${led.Swarm.Cluster?.ID.slice(0, 12) ?? '?'} is back with this node (${led.Swarm.NodeID.slice(0, 12)}) as its only manager, advertising ${advertise}${autolock ? '; autolock on, same unlock key' : ''}`,
          `  ${check.present} of the snapshot's services, networks, configs and secrets are there${check.missing.length === 0 ? '' : `; missing: ${check.missing.join(', ')}`}`,
          ...(aside === undefined ? [] : [`  the previous swarm directory is at ${aside}: remove it once the swarm is verified`]),
          ...nextSteps(nodes, led.Swarm.NodeID, advertise, autolock),
        ],
        json: { snapshot: snapshot.id, target: engine.endpoint.host, swarmId: led.Swarm.Cluster?.ID, nodeId: led.Swarm.NodeID, advertiseAddr: advertise, movedAside: aside ?? null, present: check.present, missing: check.missing },
        warnings: [...warnings, ...(check.missing.length === 0 ? [] : [`the restored swarm lacks ${check.missing.length} objects of the snapshot's export (changed between the export and the copy?): restore them with \`strata restore ID --swarm\``])],
        errors: [],
      };
    },
  };
}

/**
 * Steps 1–4: the engine stopped, the swarm directory moved aside, the copy written (and
 * opened under autolock), the engine started. Whatever fails after the stop puts the old
 * directory back and starts the engine; an interruption waits for the start.
 */
async function putCopyInPlace(options: RaftRestoreOptions, swarmDir: string, write: () => Promise<{ readonly errors: readonly string[] }>, unlockKey: string | undefined): Promise<string | undefined> {
  const start = () => runEngineCommand(options.startCommand, 'start', ms(options.commandTimeout), 'check --engine-start; start the engine by hand');
  const release = holdExit({ what: 'starting the Docker Engine again', byHand: [options.startCommand.join(' ')] });
  try {
    await runEngineCommand(options.stopCommand, 'stop', ms(options.commandTimeout), 'check --engine-stop; nothing was changed');
    const aside = moveAside(swarmDir);
    try {
      const written = await write();
      if (written.errors.length > 0) throw new OperationError(`the raft copy was not written whole: ${written.errors[0]}`, { hint: 'run `strata check --read-data`, or restore another snapshot' });
      if (unlockKey !== undefined) {
        const keyFile = join(swarmDir, NODE_KEY);
        writeFileSync(keyFile, unlockNodeKey(readFileSync(keyFile, 'utf8'), unlockKey), { mode: 0o600 });
      }
    } catch (error) {
      await putBack(swarmDir, aside);
      await start();
      throw new OperationError(`${(error as Error).message}; ${aside === undefined ? 'the swarm directory is empty again' : `the previous swarm directory is back at ${swarmDir}`} and the engine started again`, { hint: error instanceof OperationError ? error.hint ?? '' : 'see the error above', cause: error });
    }
    await start();
    return aside;
  } finally {
    release();
  }
}
