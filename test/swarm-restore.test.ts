/**
 * `strata swarm restore` on three real Docker Engine managers: a cold raft copy taken on a
 * follower, every manager's state lost, the copy put back on a fresh data root at the same
 * address with --force-new-cluster, the other managers joined again by the printed steps;
 * with and without autolock.
 */
import { renameSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker, startEngine, stopEngine, waitForManagers, type SwarmManager } from '../testbed/swarm.ts';
import { scratch } from './helpers/repo.ts';
import { isLeader, makeStack, raftArgs, readStack, useSwarm } from './helpers/swarm.ts';

describe('swarm raft restore on three Docker Engine managers', () => {
  const bed = useSwarm('swarm-restore');

  const restoreArgs = (manager: SwarmManager) => [
    '--docker-host', manager.host, '--docker-data-root', manager.dataRoot, '--engine-stop', manager.stopCommand.join(' '), '--engine-start', manager.startCommand.join(' '),
    '--listen-addr', `${manager.address}:2377`, '--ready-timeout', '2m',
  ];

  /** Every manager loses its state: engines stopped, data roots moved away, engines started fresh (not in a swarm). */
  function loseEverything(): void {
    for (const manager of bed().managers) stopEngine(manager);
    for (const manager of bed().managers) renameSync(manager.dataRoot, `${manager.dataRoot}.lost-${Date.now()}`);
    for (const manager of bed().managers) startEngine(manager);
  }

  const swarmState = (manager: SwarmManager) => docker(manager, ['info', '--format', '{{.Swarm.LocalNodeState}}']).trim();

  async function backUpLoseAndRestore(prefix: string, subnet: number, autolock: boolean): Promise<void> {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    // The stack's node label goes on the leader, whose entry the restore leaves behind.
    const leader = bed().managers.find((m) => isLeader(m))!;
    makeStack(leader, prefix, `${prefix}-secret-value`, subnet);
    if (autolock) docker(leader, ['swarm', 'update', '--autolock=true']);
    const unlockKey = autolock ? docker(leader, ['swarm', 'unlock-key', '-q']).trim() : undefined;
    const original = readStack(leader, prefix);
    const manager = bed().managers.find((m) => !isLeader(m))!;
    const saved = JSON.parse((await s.ok(['backup', '--repo', repo, '--json', ...raftArgs(manager, 'cold')])).stdout) as { id: string };
    await waitForManagers(bed(), 3);

    // A manager of a working swarm is not overwritten unless asked.
    const live = await s.run(['swarm', 'restore', saved.id, '--repo', repo, ...restoreArgs(manager)]);
    expect(live.code).toBe(4);
    expect(live.stderr).toContain('is an active member of swarm');

    loseEverything();
    expect(swarmState(manager)).toBe('inactive');

    // The copy belongs to its address: elsewhere it is refused, naming the trap.
    const elsewhere = await s.run(['swarm', 'restore', saved.id, '--repo', repo, ...restoreArgs(manager), '--advertise-addr', '127.0.0.9:2377']);
    expect(elsewhere.code).toBe(4);
    expect(elsewhere.stderr).toContain('managers joining it later dial the dead one and lose quorum');

    const plan = await s.ok(['swarm', 'restore', saved.id, '--repo', repo, ...restoreArgs(manager), '--dry-run']);
    expect(plan.stdout).toContain('docker swarm init --force-new-cluster');
    expect(plan.stdout).toContain(`cold copy of ${manager.dataRoot}/swarm`);
    expect(plan.stdout.includes('open the copy\'s node key with the stored unlock key')).toBe(autolock);
    expect(swarmState(manager)).toBe('inactive');

    const done = await s.ok(['swarm', 'restore', saved.id, '--repo', repo, ...restoreArgs(manager)]);
    expect(done.stdout).toContain('as its only manager');
    expect(done.stdout).toMatch(/(\d+) of the snapshot's services, networks, configs and secrets are there\n/);
    // Everything the swarm held is back, secrets included (the raft state holds their values).
    expect(readStack(manager, prefix)).toEqual(original);
    expect(docker(manager, ['node', 'inspect', 'self', '--format', '{{.ManagerStatus.Addr}}']).trim()).toBe(`${manager.address}:2377`);
    if (unlockKey !== undefined) {
      expect(done.stdout).toContain('docker swarm unlock-key --rotate');
      expect(docker(manager, ['swarm', 'unlock-key', '-q']).trim()).toBe(unlockKey);
      // The engine locked the node key again with the swarm's key.
      let key = '';
      for (let i = 0; i < 60 && !key.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        key = readFileSync(join(manager.dataRoot, 'swarm', 'certificates', 'swarm-node.key'), 'utf8');
      }
      expect(key).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    }

    // The printed steps: drop the old managers' entries, join the others again.
    const old = /docker node rm --force ([\w ]+)\n/.exec(done.stdout)?.[1]?.split(' ') ?? [];
    expect(old).toHaveLength(2);
    docker(manager, ['node', 'rm', '--force', ...old]);
    const token = docker(manager, ['swarm', 'join-token', '-q', 'manager']).trim();
    for (const other of bed().managers.filter((m) => m !== manager)) {
      docker(other, ['swarm', 'join', '--token', token, '--advertise-addr', `${other.address}:2377`, '--listen-addr', `${other.address}:2377`, `${manager.address}:2377`]);
    }
    await waitForManagers(bed(), 3);
    const status = JSON.parse((await s.ok(['swarm', 'status', '--docker-host', manager.host, '--json'])).stdout) as { ok: boolean; quorum: { reachable: number } };
    expect(status).toMatchObject({ ok: true, quorum: { reachable: 3 } });
    // The removed entries' labels are named for the nodes that joined in their place.
    expect(done.stdout).toContain(`--label-add ${prefix}-zone=a NEW_ID`);
    const again = readStack(bed().managers.find((m) => m !== manager)!, prefix) as Record<string, unknown>;
    expect({ ...again, labels: [] }).toEqual({ ...(original as Record<string, unknown>), labels: [] });
  }

  it('brings the swarm back from a cold copy on a fresh data root at the same address; the other managers rejoin', async () => {
    await backUpLoseAndRestore('dr', 81, false);
  }, 600_000);

  it('does so under autolock, with the stored unlock key, and the engine locks the key again', async () => {
    await backUpLoseAndRestore('lock', 82, true);
  }, 600_000);
});
