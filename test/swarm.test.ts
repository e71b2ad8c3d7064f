/**
 * The swarm source on three real Docker Engine managers (testbed/swarm.ts): `swarm status`,
 * the logical export and its restore, autolock's unlock key, and the source conformance
 * suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker, startEngine, stopEngine, waitForManagers } from '../testbed/swarm.ts';
import { scratch } from './helpers/repo.ts';
import { sourceConformance } from './helpers/source-conformance.ts';
import { makeStack, readStack, removeStack, useSwarm } from './helpers/swarm.ts';

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
    makeStack(first(), 'shop', 'the-secret-value');
    const before = readStack(first(), 'shop');
    const saved = JSON.parse((await s.ok(['backup', '--repo', repo, '--swarm', ...host(), '--json'])).stdout) as { id: string; sources: { record: Record<string, unknown> }[] };
    const record = saved.sources[0]!.record;
    expect(record['secretUse']).toMatchObject({ 'shop-secret': ['shop_web'] });
    expect(record['stacks']).toContain('shop');
    expect(record['managers']).toBe(3);
    // The secret's value is not in the repository: Docker never gives it back.
    expect(JSON.stringify(record)).not.toContain('the-secret-value');

    // An unchanged swarm adds no object blobs.
    const again = JSON.parse((await s.ok(['backup', '--repo', repo, '--swarm', ...host(), '--json'])).stdout) as { summary: { newBytes: number } };
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
      const saved = JSON.parse((await s.ok(['backup', '--repo', repo, '--swarm', ...host(), '--json'])).stdout) as { id: string; sources: { record: { autolock: boolean; unlockKeyStored: boolean } }[] };
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

  sourceConformance(() => {
    const prefix = 'conf';
    let original: unknown;
    return {
      type: 'swarm',
      async prepare() {
        makeStack(first(), prefix, 'conformance-secret');
        original = readStack(first(), prefix);
      },
      backupArgs: () => ['--swarm', ...host()],
      async restoreInto(s, repo, id) {
        removeStack(first(), prefix);
        const values = join(s.dir, `values-${Math.random().toString(36).slice(2)}`);
        mkdirSync(values, { mode: 0o700 });
        writeFileSync(join(values, `${prefix}-secret`), 'conformance-secret', { mode: 0o600 });
        return { args: [id, '--repo', repo, '--swarm', ...host(), '--secret-values', values], read: async () => readStack(first(), prefix) };
      },
      original: () => original,
      unchangedBytes: 16 * 1024,
      failing: async () => ({ args: ['--swarm', '--docker-host', 'unix:///nonexistent/docker.sock'], item: /nonexistent\/docker\.sock/, whole: true }),
    };
  });
});
