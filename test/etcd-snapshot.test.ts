/**
 * etcd snapshots against a real 3-member etcd with TLS behind a real kube-apiserver: the
 * snapshot upstream etcdutl accepts, refusals (alarm, lost quorum), and a restore into a new
 * 3-member cluster that a new kube-apiserver serves.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMemberClient } from '../src/sources/etcd/client.ts';
import { binary } from '../testbed/binaries.ts';
import { down, stopComponent, upRestored } from '../testbed/testbed.ts';
import { filesUnder } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';

interface Record {
  revision: number;
  totalKeys: number;
  dbSize: number;
  dirty: boolean;
  dirtyReasons: string[];
  member: { name: string };
  quorum: { healthy: number; voting: number; hasQuorum: boolean };
  consistency: { verdict: string; members: unknown[] };
  members: unknown[];
  storage: { incremental: boolean; newValueBytes: number };
}

interface Saved {
  id: string;
  sources: { type: string; record?: Record }[];
  warnings: string[];
}

const NAMESPACE = 'etcd-objects';
const MARKER = `etcd-secret-${Date.now().toString(36)}`;

describe('etcd snapshots on a 3-member etcd with TLS behind kube-apiserver', () => {
  const cluster = useCluster({ name: 'etcd-snap', etcdMembers: 3, nodes: 1 });
  const s = scratch();
  const repo = join(s.dir, 'repo');
  const etcdutl = binary('etcd', 'etcdutl');
  let clean: Saved;

  const flags = (): string[] => {
    const { bed } = cluster();
    const tls = bed.etcd.tls!;
    return ['--etcd-endpoints', bed.etcd.endpoints.join(','), '--etcd-cacert', tls.ca, '--etcd-cert', tls.cert, '--etcd-key', tls.key];
  };
  const memberClient = (endpoint: string): EtcdMemberClient => {
    const tls = cluster().bed.etcd.tls!;
    return new EtcdMemberClient(endpoint, { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), timeoutMs: 5_000 });
  };
  const record = (saved: Saved): Record => saved.sources.find((x) => x.type === 'etcd')!.record!;

  beforeAll(async () => {
    await s.ok(['init', '--repo', repo]);
  });

  it('takes a snapshot that upstream etcdutl accepts, with the revision and key count Strata recorded', async () => {
    const core = cluster().kubeconfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    for (let i = 0; i < 20; i++) {
      await core.createNamespacedConfigMap({ namespace: NAMESPACE, body: { metadata: { name: `cm-${i}` }, data: { index: String(i) } } });
    }
    await core.createNamespacedSecret({ namespace: NAMESPACE, body: { metadata: { name: 'db' }, stringData: { password: MARKER } } });

    const result = await s.ok(['backup', '--repo', repo, '--etcd', ...flags(), '--json']);
    clean = JSON.parse(result.stdout) as Saved;
    const r = record(clean);
    expect(r.dirty).toBe(false);
    expect(r.quorum).toMatchObject({ healthy: 3, voting: 3, hasQuorum: true });
    expect(r.consistency.verdict).toBe('agree');
    expect(r.consistency.members).toHaveLength(3);
    expect(r.members).toHaveLength(3);

    const file = join(s.dir, 'exported.db');
    await s.ok(['etcd', 'export', clean.id, file, '--repo', repo]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const status = JSON.parse(execFileSync(etcdutl, ['snapshot', 'status', file, '-w', 'json'], { encoding: 'utf8' })) as { revision: number; totalKey: number; totalSize: number };
    expect(status.revision).toBe(r.revision);
    expect(status.totalKey).toBe(r.totalKeys);
    expect(status.totalSize).toBe(r.dbSize);

    // The Secret is in the snapshot, and nowhere in the repository's files in plaintext.
    expect(readFileSync(file).includes(MARKER)).toBe(true);
    for (const stored of filesUnder(repo)) expect(readFileSync(stored).includes(MARKER), stored).toBe(false);
  });

  it('stores a later snapshot as the values that changed, which exports whole after the earlier one is forgotten and pruned', async () => {
    const dailies = join(s.dir, 'dailies');
    await s.ok(['init', '--repo', dailies]);
    const client = memberClient(cluster().bed.etcd.endpoints[0]!);
    const value = (i: number, day: number) => Buffer.from(JSON.stringify({ i, day, filler: randomBytes(1500).toString('base64') }));
    try {
      for (let i = 0; i < 400; i++) await client.put(Buffer.from(`/strata-test/daily/${i}`), value(i, 1));
      const first = JSON.parse((await s.ok(['backup', '--repo', dailies, '--etcd', ...flags(), '--json'])).stdout) as Saved;
      const rewritten = Array.from({ length: 20 }, (_, i) => value(i, 2));
      for (const [i, v] of rewritten.entries()) await client.put(Buffer.from(`/strata-test/daily/${i}`), v);
      const second = JSON.parse((await s.ok(['backup', '--repo', dailies, '--etcd', ...flags(), '--json'])).stdout) as Saved;

      const [one, two] = [record(first).storage, record(second).storage];
      expect(one.incremental).toBe(false);
      expect(two.incremental).toBe(true);
      // 20 rewritten values of ~2 KiB, and what else changed meanwhile (leases, events): far below the first's ~800 KiB.
      expect(two.newValueBytes).toBeGreaterThan(20 * 2000);
      expect(two.newValueBytes).toBeLessThan(one.newValueBytes / 4);

      await s.ok(['forget', '--repo', dailies, '--keep-last', '1', '--prune']);
      const file = join(s.dir, 'second.db');
      await s.ok(['etcd', 'export', second.id, file, '--repo', dailies]);
      const status = JSON.parse(execFileSync(etcdutl, ['snapshot', 'status', file, '-w', 'json'], { encoding: 'utf8' })) as { revision: number; totalKey: number };
      expect(status).toMatchObject({ revision: record(second).revision, totalKey: record(second).totalKeys });
      const exported = readFileSync(file);
      for (const v of rewritten) expect(exported.includes(v)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('refuses while an alarm is raised (exit 4), and takes a dirty snapshot with --force', async () => {
    const client = memberClient(cluster().bed.etcd.endpoints[0]!);
    const { memberId } = await client.status();
    await client.setAlarm('ACTIVATE', memberId, 'NOSPACE');
    try {
      const refused = await s.run(['backup', '--repo', repo, '--etcd', ...flags()]);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain('alarm NOSPACE is raised on member etcd-0');
      expect(refused.stderr).toContain('--force');

      const forced = JSON.parse((await s.ok(['backup', '--repo', repo, '--etcd', '--force', ...flags(), '--json'])).stdout) as Saved;
      expect(record(forced).dirty).toBe(true);
      expect(record(forced).dirtyReasons.join(' ')).toContain('NOSPACE');
      expect(forced.warnings.join(' ')).toContain('--force');
      const shown = (await s.ok(['show', forced.id, '--repo', repo])).stdout;
      expect(shown).toMatch(/DIRTY\s+alarm NOSPACE is raised on member etcd-0/);
      expect((await s.ok(['snapshots', '--repo', repo])).stdout).toContain(`etcd@${record(forced).revision} dirty`);
      // Its restore plan says so first, and only when asked to.
      const members = cluster().bed.etcd.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
      const gated = await s.run(['etcd', 'restore-plan', forced.id, '--repo', repo, '--members', members]);
      expect(gated.code).toBe(4);
      expect(gated.stderr).toMatch(/is dirty \(taken with --force\): .*NOSPACE[\s\S]*--accept-dirty/);
      const accepted = await s.ok(['etcd', 'restore-plan', forced.id, '--repo', repo, '--members', members, '--accept-dirty']);
      expect(accepted.stdout).toMatch(/^DIRTY SNAPSHOT \(taken with --force\): .*NOSPACE/);
    } finally {
      await client.setAlarm('DEACTIVATE', memberId, 'NOSPACE');
      client.close();
    }
  });

  it('restores into a new 3-member cluster whose kube-apiserver serves the objects, at a higher revision', async () => {
    const source = memberClient(cluster().bed.etcd.endpoints[0]!);
    const before = (await source.status()).revision;
    source.close();

    // A data directory a running etcd uses is refused, and left alone.
    const live = cluster().bed.etcd.members[0]!;
    const inUse = await s.run(['etcd', 'restore', clean.id, '--repo', repo, '--name', live.name, '--initial-cluster', `${live.name}=${live.peerUrl}`, '--initial-advertise-peer-urls', live.peerUrl, '--data-dir', live.dataDir, '--etcdutl', etcdutl]);
    expect(inUse.code).toBe(4);
    expect(inUse.stderr).toContain(`${live.dataDir} is in use by PID ${live.process.pid}`);
    expect(readdirSync(join(live.dataDir, '..')).filter((n) => n.includes('before-restore'))).toEqual([]);

    // The runbook is followed as printed: each member runs the command its plan names. The
    // plan is printed once per member (each has its own data directory on this one machine),
    // and every print carries the same token.
    const tokens = new Set<string>();
    const printedFor = { members: '', clientUrls: '' };
    const restored = await upRestored('etcd-restored', 3, async (planned, initialCluster) => {
      printedFor.members = initialCluster;
      printedFor.clientUrls = planned.map((m) => `${m.name}=${m.clientUrl}`).join(',');
      for (const member of planned) {
        // New ports on the same host: the members are new, so their client URLs are given,
        // and the plan says what the new addresses need.
        const clientUrls = planned.map((m) => `${m.name}=${m.clientUrl}`).join(',');
        const unknown = await s.run(['etcd', 'restore-plan', clean.id, '--repo', repo, '--members', initialCluster, '--data-dir', member.dataDir]);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toContain('client URL is not known');
        const plan = JSON.parse((await s.ok(['etcd', 'restore-plan', clean.id, '--repo', repo, '--members', initialCluster, '--client-urls', clientUrls, '--data-dir', member.dataDir, '--json'])).stdout) as { steps: { title: string; commands: string[] }[] };
        expect(plan.steps[1]!.title).toBe('Prepare the new machines or addresses');
        expect(plan.steps[1]!.commands).toContain(`# every kube-apiserver: --etcd-servers=${planned.map((m) => m.clientUrl).join(',')}`);
        const [verify] = plan.steps[0]!.commands;
        expect(plan.steps[0]!.title).toMatch(/^Prove the snapshot readable/);
        await s.ok(printedArgs(verify!));
        const command = plan.steps.find((step) => step.title === `Restore member ${member.name}`)!.commands[0]!;
        tokens.add(/--initial-cluster-token (\S+)/.exec(command)![1]!);
        await s.ok(printedArgs(command), { STRATA_ETCDUTL: etcdutl });
      }
    });
    try {
      // The plan's status check, printed with this cluster's TLS files, passes as printed;
      // and the plan printed now, after the restore, still carries the same token.
      const tls = restored.etcd.tls!;
      const after = JSON.parse((await s.ok(['etcd', 'restore-plan', clean.id, '--repo', repo, '--members', printedFor.members, '--client-urls', printedFor.clientUrls, '--etcd-cacert', tls.ca, '--etcd-cert', tls.cert, '--etcd-key', tls.key, '--json'])).stdout) as { steps: { title: string; commands: string[] }[] };
      for (const step of after.steps.filter((x) => x.title.startsWith('Restore member'))) tokens.add(/--initial-cluster-token (\S+)/.exec(step.commands[0]!)![1]!);
      expect(tokens.size).toBe(1);
      const check = after.steps.find((x) => x.title.startsWith('Check etcd'))!.commands[0]!;
      expect(check).toContain(`--etcd-endpoints ${restored.etcd.endpoints.join(',')}`);
      const printedStatus = await s.run(printedArgs(check));
      expect(printedStatus.stderr).toBe('');
      expect(printedStatus.code).toBe(0);

      const kubeconfig = new KubeConfig();
      kubeconfig.loadFromFile(restored.kubeconfig);
      const core = kubeconfig.makeApiClient(CoreV1Api);
      const names = (await core.listNamespacedConfigMap({ namespace: NAMESPACE })).items.map((c) => c.metadata?.name);
      for (let i = 0; i < 20; i++) expect(names).toContain(`cm-${i}`);
      const secret = await core.readNamespacedSecret({ namespace: NAMESPACE, name: 'db' });
      expect(Buffer.from(secret.data?.['password'] ?? '', 'base64').toString()).toBe(MARKER);

      const status = JSON.parse((await s.run(['etcd', 'status', '--etcd-endpoints', restored.etcd.endpoints.join(','), '--etcd-cacert', tls.ca, '--etcd-cert', tls.cert, '--etcd-key', tls.key, '--json'])).stdout) as {
        ok: boolean;
        members: { revision: number }[];
      };
      expect(status.ok).toBe(true);
      for (const m of status.members) expect(m.revision).toBeGreaterThan(before);
      expect(Math.min(...status.members.map((m) => m.revision))).toBeGreaterThan(record(clean).revision + 1_000_000_000 - 1);
    } finally {
      await down('etcd-restored');
    }
  });

  it('verifies a snapshot before any plan is printed, and names an intact one when it is damaged', async () => {
    const damagedRepo = join(s.dir, 'damaged-etcd-repo');
    await s.ok(['init', '--repo', damagedRepo]);
    const first = JSON.parse((await s.ok(['backup', '--repo', damagedRepo, '--etcd', ...flags(), '--json'])).stdout) as Saved;
    const packs = () => new Set(readdirSync(join(damagedRepo, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)));
    const before = packs();
    const second = JSON.parse((await s.ok(['backup', '--repo', damagedRepo, '--etcd', ...flags(), '--json'])).stdout) as Saved;
    const added = [...packs()].filter((p) => !before.has(p)).sort((a, b) => statSync(b).size - statSync(a).size);
    expect(added.length).toBeGreaterThan(0);
    const bytes = readFileSync(added[0]!);
    bytes[Math.floor(bytes.length / 3)]! ^= 0x20;
    writeFileSync(added[0]!, bytes);

    expect((await s.ok(['etcd', 'verify', first.id, '--repo', damagedRepo])).stdout).toMatch(/checks out: .* read whole, trailer and SHA-256 [0-9a-f]{16}… match/);
    const members = cluster().bed.etcd.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    for (const args of [['etcd', 'verify', second.id], ['etcd', 'restore-plan', second.id, '--members', members]]) {
      const damaged = await s.run([...args, '--repo', damagedRepo]);
      expect(damaged.code).toBe(1);
      expect(damaged.stderr).toMatch(new RegExp(`^strata: etcd snapshot ${second.id.slice(0, 8)} cannot be restored: blob [0-9a-f]{8} is damaged`));
      expect(damaged.stderr).toContain(`the newest intact etcd snapshot is ${first.id.slice(0, 8)}`);
      expect(damaged.stderr).not.toMatch(/internal error/);
      expect(damaged.stdout).toBe('');
    }
  });

  it('shows a lost member in status and still snapshots from a healthy one', async () => {
    await stopComponent(cluster().bed, 'etcd-2');
    const status = await s.run(['etcd', 'status', ...flags(), '--json']);
    expect(status.code).toBe(1);
    const report = JSON.parse(status.stdout) as { quorum: { healthy: number; hasQuorum: boolean }; members: { name: string; healthy: boolean }[] };
    expect(report.quorum).toMatchObject({ healthy: 2, hasQuorum: true });
    expect(report.members.find((m) => m.name === 'etcd-2')?.healthy).toBe(false);

    const saved = JSON.parse((await s.ok(['backup', '--repo', repo, '--etcd', ...flags(), '--json'])).stdout) as Saved;
    expect(record(saved).member.name).not.toBe('etcd-2');
    expect(record(saved).quorum.healthy).toBe(2);
    expect(record(saved).dirty).toBe(false);
  });

  it('refuses without quorum (exit 4), naming the lost quorum', async () => {
    await stopComponent(cluster().bed, 'etcd-1');
    const refused = await s.run(['backup', '--repo', repo, '--etcd', ...flags()]);
    expect(refused.code).toBe(4);
    // The member left may still name a leader for a moment, or already have none.
    expect(refused.stderr).toMatch(/etcd has lost quorum: [01]\/3 voting members healthy, 2 needed/);
    expect(refused.stderr).toMatch(/etcd-1 \(https:\/\/127\.0\.0\.1:\d+: unreachable \(connect ECONNREFUSED/);
    expect(refused.stderr).toMatch(/etcd-2 \(https:\/\/127\.0\.0\.1:\d+: unreachable \(connect ECONNREFUSED/);
    const { stdout } = await s.ok(['snapshots', '--repo', repo, '--json']);
    expect((JSON.parse(stdout) as unknown[]).length).toBe(3);
  });

  afterAll(async () => {
    await down('etcd-restored');
  });

});

/** A command as the plan prints it, as arguments for the strata CLI. */
function printedArgs(command: string): string[] {
  const words = command.replace(/\\\n/g, ' ').split(/\s+/).filter((w) => w !== '');
  expect(words[0]).toBe('strata');
  return words.slice(1);
}
