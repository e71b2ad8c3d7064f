/**
 * Plans from strata.yaml run end to end on real repositories: `strata run` does hooks,
 * backup, retention with prune and replication; `strata status` exits non-zero when an RPO
 * is violated; `forget --plan` applies the plan's policy; bad plans are refused by field.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';

interface Run {
  result: string;
  snapshot?: string;
  forgotten: number;
  prunedBytes: number;
  replicated: { repository: string; copied: number }[];
  hooks: { ok: boolean; outcome: string }[];
  error?: string;
}

describe('plans', () => {
  const s = scratch();
  const data = join(s.dir, 'data');
  const hookLog = join(s.dir, 'hooks.log');
  const config = join(s.dir, 'strata.yaml');
  const main = join(s.dir, 'main');
  const offsite = join(s.dir, 'offsite');

  beforeAll(async () => {
    mkdirSync(data);
    writeFileSync(config, `
repositories:
  main: { url: ${main}, passwordFile: ${s.passwordFile} }
  offsite: { url: ${offsite}, passwordFile: ${s.passwordFile} }
plans:
  nightly:
    repository: main
    sources: [{ type: files, paths: [${data}] }]
    retention: { last: 2 }
    rpo: 24h
    tags: [nightly]
    replication: [{ repository: offsite }]
    hooks:
      pre: [{ command: [sh, -c, 'echo "pre $STRATA_PLAN" >> ${hookLog}'] }]
      post: [{ command: [sh, -c, 'echo "post $STRATA_RESULT $STRATA_SNAPSHOT" >> ${hookLog}'] }]
  never-ran:
    repository: main
    sources: [{ type: files, paths: [${data}] }]
    rpo: 90m
  guarded:
    repository: main
    sources: [{ type: files, paths: [${data}] }]
    hooks:
      pre: [{ command: [sh, -c, 'exit 7'], onError: fail }]
      post: [{ command: [sh, -c, 'echo "post $STRATA_RESULT" >> ${hookLog}'] }]
  images:
    repository: main
    sources: [{ type: registry, url: https://registry.example.com, username: backup, passwordFile: ${join(s.dir, 'no-such-password')} }]
`);
    await s.ok(['init', '--repo', main]);
    await s.ok(['init', '--repo', offsite]);
  }, 60_000);

  const run = async (plan: string) => {
    const result = await s.run(['run', plan, '--config', config, '--json']);
    return { code: result.code, stderr: result.stderr, run: result.stdout === '' ? undefined : (JSON.parse(result.stdout) as Run) };
  };
  const snapshots = async (repo: string) => JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout) as { id: string; plan?: string; tags: string[] }[];

  it('runs hooks, backup, retention with prune, and replication, recording each step', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(data, 'file'), `version ${i}\n`.repeat(50_000));
      const { code, run: r } = await run('nightly');
      expect(code).toBe(0);
      expect(r!.result).toBe('succeeded');
      ids.push(r!.snapshot!);
      expect(r!.forgotten).toBe(i < 2 ? 0 : 1);
      expect(r!.replicated[0]!.repository).toBe('offsite');
    }
    const kept = await snapshots(main);
    expect(kept.map((x) => x.id).sort()).toEqual(ids.slice(1).sort());
    expect(kept.every((x) => x.plan === 'nightly' && x.tags.includes('nightly'))).toBe(true);
    // Replication never deletes: the offsite copy keeps all three.
    expect(await snapshots(offsite)).toHaveLength(3);
    const log = readFileSync(hookLog, 'utf8').trim().split('\n');
    expect(log.filter((l) => l === 'pre nightly')).toHaveLength(3);
    expect(log).toContain(`post succeeded ${ids[2]}`);
    expect((await s.ok(['check', '--repo', main, '--read-data'])).stdout).toContain('no errors were found');
  }, 180_000);

  it('a failing pre hook with onError: fail stops the run before the backup; post hooks still run', async () => {
    const before = (await snapshots(main)).length;
    const { code, run: r, stderr } = await run('guarded');
    expect(code).toBe(1);
    expect(r!.result).toBe('failed');
    expect(r!.error).toContain('pre hook sh -c exit 7: exit 7');
    expect(stderr).toContain('plan guarded failed');
    expect(await snapshots(main)).toHaveLength(before);
    expect(readFileSync(hookLog, 'utf8')).toContain('post failed');
  }, 60_000);

  it('status shows each plan against its RPO and exits non-zero when one is violated', async () => {
    const ok = await s.run(['status', '--config', config, '--plan', 'nightly', '--json']);
    expect(ok.code).toBe(0);
    const [nightly] = JSON.parse(ok.stdout) as { plan: string; violated: boolean; snapshots: number; lastGood: string }[];
    expect(nightly).toMatchObject({ plan: 'nightly', violated: false, snapshots: 2 });
    const all = await s.run(['status', '--config', config]);
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/never-ran\s.*RPO VIOLATED/);
    // The RPO in its own unit: 90m reads 1h30m, and 24h 1d.
    expect(all.stdout).toMatch(/^never-ran\tmain\t0\tnever\t1h30m\t-\t-\tRPO VIOLATED$/m);
    expect(all.stdout).toMatch(/^nightly\tmain\t2\t\S+ ago\t1d\t-\t-\tok$/m);
    expect(all.stderr).toContain('RPO violated for never-ran');
  }, 60_000);

  it('forget --plan applies the plan retention to that plan only', async () => {
    const out = JSON.parse((await s.ok(['forget', '--plan', 'nightly', '--config', config, '--dry-run', '--json'])).stdout) as { groups: { group: { plan: string } }[] };
    expect(out.groups.map((g) => g.group.plan)).toEqual(['nightly']);
    const both = await s.run(['forget', '--plan', 'nightly', '--config', config, '--keep-last', '1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either --plan or --keep-*');
  }, 60_000);

  it('fails a run whose source names a missing secret file, naming the field, before anything runs', async () => {
    const { code, stderr } = await run('images');
    expect(code).toBe(1);
    expect(stderr).toContain(`plans.images.sources[0].passwordFile: ${join(s.dir, 'no-such-password')}: no such file`);
  }, 60_000);
});
