/**
 * The swarm source on three real Docker Engine managers (testbed/swarm.ts): `swarm status`,
 * the logical export and its restore, autolock's unlock key, and the source conformance
 * suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { docker, engineRunning, startEngine, stopEngine, waitForManagers } from '../testbed/swarm.ts';
import { scratch } from './helpers/repo.ts';
import { sourceConformance } from './helpers/source-conformance.ts';
import { isLeader, makeStack, raftArgs, readStack, removeStack, useSwarm } from './helpers/swarm.ts';

interface StatusJson {
  readonly quorum: { managers: number; needed: number; reachable: number; hasQuorum: boolean };
  readonly managers: { raft: string; address: string; state: string }[];
  readonly autolock: boolean;
  readonly ok: boolean;
}

describe('swarm on three Docker Engine managers', () => {
  const bed = useSwarm('swarm');
  const first = () => bed().managers[0]!;
  const host = () => ['--docker-host', first().host];
  // The logical export alone: first() may be the leader, where a cold copy is refused.
  const exportArgs = () => ['--swarm', '--swarm-mode', 'export', ...host()];

  it('shows the managers, the leader, the quorum and autolock; exits 1 when a manager is down', async () => {
    const s = scratch();
    const status = JSON.parse((await s.ok(['swarm', 'status', ...host(), '--json'])).stdout) as StatusJson;
    expect(status.quorum).toEqual({ managers: 3, needed: 2, reachable: 3, hasQuorum: true });
    expect(status.managers.map((m) => m.raft).sort()).toEqual(['leader', 'reachable', 'reachable']);
    expect(status.managers.map((m) => m.address).sort()).toEqual(['127.0.0.1:2377', '127.0.0.2:2377', '127.0.0.3:2377']);
    expect(status.autolock).toBe(false);
    const text = await s.ok(['swarm', 'status', ...host()]);
    expect(text.stdout).toContain('quorum: 3 of 3 managers reachable, 2 needed: ok; autolock off');

    const third = bed().managers[2]!;
    stopEngine(third);
    try {
      await waitForManagers(bed(), 2);
      let degraded = await s.run(['swarm', 'status', ...host()]);
      for (let i = 0; i < 60 && !degraded.stdout.includes('2 of 3'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        degraded = await s.run(['swarm', 'status', ...host()]);
      }
      expect(degraded.code).toBe(1);
      expect(degraded.stdout).toContain('quorum: 2 of 3 managers reachable, 2 needed: ok');
      expect(degraded.stderr).toContain('swarm is degraded: 2 of 3 managers reachable');
    } finally {
      startEngine(third);
      await waitForManagers(bed(), 3);
    }
  }, 300_000);

  it('refuses an engine that is not there, naming the flag and the socket', async () => {
    const s = scratch();
    const result = await s.run(['swarm', 'status', '--docker-host', 'unix:///nonexistent/docker.sock']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Docker Engine unix:///nonexistent/docker.sock (--docker-host): no socket there');
    const tcp = await s.run(['swarm', 'status', '--docker-host', 'tcp://127.0.0.1:2376']);
    expect(tcp.code).toBe(2);
    expect(tcp.stderr).toContain('a TCP engine needs TLS client certificates');
  });

  it('exports the swarm and restores removed services, networks, configs, secrets and node labels with the same specs', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    makeStack(first(), 'shop', 'the-secret-value', 77);
    const before = readStack(first(), 'shop');
    const saved = JSON.parse((await s.ok(['backup', '--repo', repo, ...exportArgs(), '--json'])).stdout) as { id: string; sources: { record: Record<string, unknown> }[] };
    const record = saved.sources[0]!.record;
    expect(record['secretUse']).toMatchObject({ 'shop-secret': ['shop_web'] });
    expect(record['stacks']).toContain('shop');
    expect(record['managers']).toBe(3);
    // The secret's value is not in the repository: Docker never gives it back.
    expect(JSON.stringify(record)).not.toContain('the-secret-value');

    // An export alone cannot be put back as raft state: named, nothing touched.
    const noRaft = await s.run(['swarm', 'restore', saved.id, '--repo', repo, ...host(), '--docker-data-root', first().dataRoot]);
    expect(noRaft.code).toBe(2);
    expect(noRaft.stderr).toContain('holds the swarm\'s export without a raft copy (mode export)');

    // An unchanged swarm adds no object blobs.
    const again = JSON.parse((await s.ok(['backup', '--repo', repo, ...exportArgs(), '--json'])).stdout) as { summary: { newBytes: number } };
    expect(again.summary.newBytes).toBeLessThan(8 * 1024);

    removeStack(first(), 'shop');
    expect(readStack(first(), 'shop')).not.toEqual(before);
    const restore = ['restore', saved.id, '--repo', repo, '--swarm', ...host()];
    // Without the secret's value nothing is created, and the secret is named.
    const refused = await s.run(restore);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('secrets shop-secret: no value (give --secret-values DIR)');
    expect(docker(first(), ['network', 'ls', '--format', '{{.Name}}'])).not.toContain('shop-net');

    const values = join(s.dir, 'secrets');
    mkdirSync(values, { mode: 0o700 });
    writeFileSync(join(values, 'shop-secret'), 'the-secret-value', { mode: 0o600 });
    const plan = await s.ok([...restore, '--secret-values', values, '--dry-run']);
    expect(plan.stdout).toMatch(/create\s+service\s+shop_web/);
    expect(plan.stdout).toMatch(/update\s+node\s+\S+: labels shop-zone/);
    expect(docker(first(), ['service', 'ls', '--format', '{{.Name}}'])).not.toContain('shop_web');

    const done = await s.ok([...restore, '--secret-values', values]);
    expect(done.stdout).toContain('5 created, 1 updated');
    expect(readStack(first(), 'shop')).toEqual(before);

    // Again: everything exists and is skipped; with --existing fail it is counted failed (exit 3).
    expect((await s.ok([...restore, '--secret-values', values])).stdout).toContain('0 created, 0 updated');
    const failing = await s.run([...restore, '--existing', 'fail']);
    expect(failing.code).toBe(3);
    expect(failing.stderr).toContain('service shop_web: exists in the target (--existing fail)');

    // --existing update puts the saved spec back over a changed service.
    docker(first(), ['service', 'update', '-d', '--env-add', 'MODE=debug', 'shop_web']);
    expect(readStack(first(), 'shop')).not.toEqual(before);
    await s.ok([...restore, '--existing', 'update']);
    expect(readStack(first(), 'shop')).toEqual(before);
    removeStack(first(), 'shop');
  }, 300_000);

  it('stores the unlock key when autolock is on, sealed in the repository', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    docker(first(), ['swarm', 'update', '--autolock=true']);
    try {
      const key = docker(first(), ['swarm', 'unlock-key', '-q']).trim();
      const saved = JSON.parse((await s.ok(['backup', '--repo', repo, ...exportArgs(), '--json'])).stdout) as { id: string; sources: { record: { autolock: boolean; unlockKeyStored: boolean } }[] };
      expect(saved.sources[0]!.record).toMatchObject({ autolock: true, unlockKeyStored: true });
      // Sealed: no repository file holds it in plaintext.
      const grep = spawnSync('grep', ['-rl', key, repo]);
      expect(grep.status).toBe(1);
      const target = join(s.dir, 'target');
      await s.ok(['restore', saved.id, '--repo', repo, '--target', target]);
      expect(readFileSync(join(target, 'swarm', 'unlock-key'), 'utf8')).toBe(key);
      expect((await s.ok(['show', saved.id, '--repo', repo])).stdout).toContain('autolock on (unlock key stored)');
    } finally {
      docker(first(), ['swarm', 'update', '--autolock=false']);
    }
  }, 300_000);

  describe('raft state', () => {
    const follower = () => bed().managers.find((m) => !isLeader(m))!;
    const leader = () => bed().managers.find((m) => isLeader(m))!;
    interface RaftSaved { id: string; result: string; warnings: string[]; sources: { record: { raft: { mode: string; downtimeMs?: number; rejoined?: boolean; leader: boolean; refusedCold?: string; node: { address: string } } } }[] }

    it('takes a cold copy on a follower while the swarm keeps serving, and starts the engine again', async () => {
      const s = scratch();
      const repo = join(s.dir, 'repo');
      await s.ok(['init', '--repo', repo]);
      const manager = follower();
      const serving = leader();
      let answered = 0;
      let whileDown = 0;
      let stop = false;
      // The leader is asked all along: every answer must come, and some while the follower is down.
      const watch = (async () => {
        for (let i = 0; i < 2_000 && !stop; i++) {
          const down = !engineRunning(bed(), manager);
          docker(serving, ['service', 'ls']);
          answered++;
          if (down) whileDown++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const result = await s.run(['backup', '--repo', repo, '--json', ...raftArgs(manager, 'cold')]);
      stop = true;
      await watch;
      expect(result.code, result.stderr).toBe(0);
      const raft = (JSON.parse(result.stdout) as RaftSaved).sources[0]!.record.raft;
      expect(raft).toMatchObject({ mode: 'cold', rejoined: true, leader: false, node: { address: `${manager.address}:2377` } });
      expect(raft.downtimeMs).toBeGreaterThan(0);
      expect(whileDown).toBeGreaterThan(0);
      expect(answered).toBeGreaterThan(whileDown);
      expect(engineRunning(bed(), manager)).toBe(true);
      await waitForManagers(bed(), 3);
      // The copy is the engine's swarm directory: its node state names this node.
      const target = join(s.dir, 'target');
      await s.ok(['restore', 'latest', '--repo', repo, '--target', target]);
      expect(readFileSync(join(target, 'swarm', 'raft', 'state.json'), 'utf8')).toContain(`${manager.address}:2377`);
    }, 300_000);

    it('refuses a cold copy on the leader (exit 4) and stops nothing', async () => {
      const s = scratch();
      const repo = join(s.dir, 'repo');
      await s.ok(['init', '--repo', repo]);
      const manager = leader();
      const result = await s.run(['backup', '--repo', repo, ...raftArgs(manager, 'cold')]);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('is the raft leader');
      expect(engineRunning(bed(), manager)).toBe(true);
      expect((JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout) as unknown[]).length).toBe(0);
    }, 300_000);

    it('refuses a cold copy that would lose quorum, or takes a hot copy marked as such', async () => {
      const s = scratch();
      const repo = join(s.dir, 'repo');
      await s.ok(['init', '--repo', repo]);
      const manager = follower();
      const other = bed().managers.find((m) => m !== manager && !isLeader(m))!;
      stopEngine(other);
      try {
        await waitForManagers(bed(), 2);
        let refused = await s.run(['backup', '--repo', repo, ...raftArgs(manager, 'cold')]);
        // The leader notices a stopped manager within seconds; until then it still counts it.
        for (let i = 0; i < 60 && refused.code === 0; i++) {
          await waitForManagers(bed(), 2);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          refused = await s.run(['backup', '--repo', repo, ...raftArgs(manager, 'cold')]);
        }
        expect(refused.code).toBe(4);
        expect(refused.stderr).toContain('would leave 1 of 3 managers up, and quorum needs 2');
        expect(engineRunning(bed(), manager)).toBe(true);
        const hot = await s.run(['backup', '--repo', repo, '--json', ...raftArgs(manager, 'cold'), '--swarm-on-refusal', 'hot']);
        expect(hot.code, hot.stderr).toBe(0);
        const saved = JSON.parse(hot.stdout) as RaftSaved;
        expect(saved.sources[0]!.record.raft).toMatchObject({ mode: 'hot', refusedCold: expect.stringContaining('quorum needs 2') });
        expect(saved.warnings.join('\n')).toContain('took a hot copy instead');
        expect((await s.ok(['snapshots', '--repo', repo])).stdout).toContain('raft:hot');
      } finally {
        startEngine(other);
        await waitForManagers(bed(), 3);
      }
    }, 300_000);

    it('shares a plan run on every manager at once: exactly one cold copy and one export per cycle, the others name who took it', async () => {
      const s = scratch();
      const repo = join(s.dir, 'repo');
      await s.ok(['init', '--repo', repo]);
      // One strata.yaml per manager (each its own engine, as on real hosts), one repository.
      // A week-long window: the three runs start together and must share a cycle. The leader
      // waits up to 3 minutes for a follower's claim, however slowly the runs start here.
      const configs = bed().managers.map((m) => {
        const file = join(s.dir, `${m.name}.yaml`);
        writeFileSync(file, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
plans:
  swarm:
    repository: main
    sources:
      - type: swarm
        host: ${m.host}
        dataRoot: ${m.dataRoot}
        stopCommand: [${m.stopCommand.join(', ')}]
        startCommand: [${m.startCommand.join(', ')}]
        rejoinTimeout: 2m
        ha: { window: 7d, wait: 3m }
`);
        return file;
      });
      const runs = await Promise.all(bed().managers.map((m, i) => s.run(['run', 'swarm', '--config', configs[i]!, '--host', m.name])));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const snapshots = JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout) as { host: string; plan: string; sources: { record: { raft?: { mode: string; leader: boolean } } }[] }[];
      expect(snapshots).toHaveLength(1);
      const taken = snapshots[0]!;
      expect(taken.sources[0]!.record.raft).toMatchObject({ mode: 'cold', leader: false });
      const others = runs.filter((_, i) => bed().managers[i]!.name !== taken.host);
      expect(others).toHaveLength(2);
      for (const other of others) {
        expect(other.stdout).toContain('nothing to store on this host');
        expect(other.stdout).toMatch(/swarm: this cycle \(strata-cycle-swarm-\d{8}T\d{6}Z\) is taken by \S+ \(node \w+\) since \S+: (running|done)/);
      }
      await waitForManagers(bed(), 3);
      // The claim says how the cycle went.
      expect(docker(first(), ['config', 'ls', '--filter', 'label=io.strata.plan=swarm', '--format', '{{.Name}}']).trim().split('\n')).toHaveLength(1);
      expect(docker(first(), ['config', 'inspect', '--format', '{{index .Spec.Labels "io.strata.state"}}', docker(first(), ['config', 'ls', '-q', '--filter', 'label=io.strata.plan=swarm']).trim()]).trim()).toBe('done');
    }, 300_000);

    it('starts the engine again when the cold copy is interrupted', async () => {
      const s = scratch();
      const repo = join(s.dir, 'repo');
      await s.ok(['init', '--repo', repo]);
      const manager = follower();
      const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
      const child = spawn(process.execPath, [main, 'backup', '--repo', repo, ...raftArgs(manager, 'cold')], { env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile, STRATA_PASSWORD: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Interrupt once the engine is down.
      for (let i = 0; i < 600 && engineRunning(bed(), manager); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(engineRunning(bed(), manager)).toBe(false);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('starting the Docker Engine on');
      expect(engineRunning(bed(), manager)).toBe(true);
      await waitForManagers(bed(), 3);
      expect((JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout) as unknown[]).length).toBe(0);
    }, 300_000);
  });

  sourceConformance(() => {
    const prefix = 'conf';
    let original: unknown;
    return {
      type: 'swarm',
      async prepare() {
        makeStack(first(), prefix, 'conformance-secret', 78);
        original = readStack(first(), prefix);
      },
      // Hot: the suite backs up many times and interrupts; the cold copy has its own tests above.
      backupArgs: () => raftArgs(first(), 'hot'),
      async restoreInto(s, repo, id) {
        removeStack(first(), prefix);
        const values = join(s.dir, `values-${Math.random().toString(36).slice(2)}`);
        mkdirSync(values, { mode: 0o700 });
        writeFileSync(join(values, `${prefix}-secret`), 'conformance-secret', { mode: 0o600 });
        return { args: [id, '--repo', repo, '--swarm', ...host(), '--secret-values', values], read: async () => readStack(first(), prefix) };
      },
      original: () => original,
      unchangedBytes: 64 * 1024,
      failing: async () => ({ args: ['--swarm', '--docker-host', 'unix:///nonexistent/docker.sock'], item: /nonexistent\/docker\.sock/, whole: true }),
    };
  });
});
