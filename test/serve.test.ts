/**
 * strata serve on the test bed: two plans (API objects of a namespace, and a directory) on
 * short cron schedules run and succeed, /metrics and the JSON API show them; then two
 * replicas share a Lease: only the leader runs, and when it is killed the standby takes
 * the Lease over and runs the next schedule.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

interface Run {
  plan: string;
  result: string;
  startedAt: string;
  snapshot?: string;
  error?: string;
}

interface Replica {
  readonly child: ChildProcess;
  readonly url: Promise<string>;
  log(): string;
}

describe('strata serve', () => {
  const cluster = useCluster({ name: 'serve', nodes: 1 });
  const s = scratch();
  const repo = join(s.dir, 'repo');
  const data = join(s.dir, 'data');
  const config = join(s.dir, 'strata.yaml');
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    mkdirSync(data);
    writeFileSync(join(data, 'file'), 'scheduled\n');
    await s.ok(['init', '--repo', repo]);
  }, 60_000);

  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  function writeConfig(namespace: string, repository = repo): void {
    writeFileSync(config, `
repositories:
  main: { url: ${repository}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${cluster().bed.kubeconfig} }
plans:
  objects:
    cluster: bed
    repository: main
    sources: [{ type: objects, includeNamespaces: [${namespace}] }]
    schedule: { cron: "*/4 * * * * *" }
    retention: { last: 3 }
    rpo: 1h
  files:
    repository: main
    sources: [{ type: files, paths: [${data}] }]
    schedule: { cron: "*/3 * * * * *" }
    rpo: 1h
`);
  }

  function replica(args: readonly string[]): Replica {
    const child = spawn(process.execPath, [main, 'serve', '--config', config, '--listen', '127.0.0.1:0', ...args], {
      env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(child);
    let log = '';
    const url = new Promise<string>((resolve, reject) => {
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        log += d;
        const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (m !== null) resolve(m[1]!);
      });
      child.on('close', (code) => reject(new Error(`serve exited ${code}: ${log}`)));
    });
    url.catch(() => undefined);
    return { child, url, log: () => log };
  }

  const get = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      await sleep(250);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('runs two plans on their schedules and shows them on /metrics and the JSON API', async () => {
    writeConfig(cluster().namespace);
    const one = replica(['--history', join(s.dir, 'runs.jsonl')]);
    const base = await one.url;
    const runs = await until('two succeeded runs of each plan', async () => {
      const list = await get<Run[]>(`${base}/api/runs`);
      const ok = (plan: string) => list.filter((r) => r.plan === plan && r.result === 'succeeded').length >= 2;
      return ok('objects') && ok('files') ? list : undefined;
    }, 90_000);
    expect(runs.filter((r) => r.result !== 'succeeded')).toEqual([]);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const plan of ['objects', 'files']) {
      expect(metrics).toMatch(new RegExp(`strata_plan_runs_total\\{plan="${plan}",result="succeeded"\\} [2-9]`));
      expect(metrics).toMatch(new RegExp(`strata_plan_last_success_timestamp_seconds\\{plan="${plan}"\\} \\d`));
      expect(metrics).toContain(`strata_plan_rpo_compliant{plan="${plan}"} 1`);
    }
    expect(metrics).toMatch(/strata_source_last_success_timestamp_seconds\{plan="objects",source="objects"\} \d/);
    expect(metrics).toMatch(/strata_plan_host_last_snapshot_timestamp_seconds\{plan="objects",host="[^"]+"\} \d/);
    expect(metrics).toMatch(/strata_repository_size_bytes\{repository="main"\} [1-9]/);
    expect(metrics).toMatch(/strata_repository_dedup_ratio\{repository="main"\} [0-9.]+/);
    expect(metrics).toContain('strata_serve_leader 1');

    const snapshots = await get<{ plan: string; result: string }[]>(`${base}/api/snapshots?plan=objects`);
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
    expect(snapshots.every((x) => x.plan === 'objects' && x.result === 'completed')).toBe(true);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { nextRuns: Record<string, string> }).nextRuns).toHaveProperty('files');
    expect((await fetch(`${base}/nope`)).status).toBe(404);

    one.child.kill('SIGTERM');
    expect(await new Promise((resolve) => one.child.on('close', resolve))).toBe(0);
  }, 180_000);

  it('two replicas share a Lease: only the leader runs; killing it makes the standby run the next schedule', async () => {
    // A repository of its own: both replicas start from no snapshot at all.
    const fresh = join(s.dir, 'lease-repo');
    await s.ok(['init', '--repo', fresh]);
    writeConfig(cluster().namespace, fresh);
    const lease = ['--plan', 'files', '--lease', `${cluster().namespace}/strata-serve`, '--lease-duration', '4s', '--kubeconfig', cluster().bed.kubeconfig];
    const a = replica([...lease, '--identity', 'replica-a']);
    const b = replica([...lease, '--identity', 'replica-b']);
    const urls = { a: await a.url, b: await b.url };
    const leaderName = await until('a leader', async () => {
      const [ha, hb] = await Promise.all([get<{ leader: boolean }>(`${urls.a}/healthz`), get<{ leader: boolean }>(`${urls.b}/healthz`)]);
      if (ha.leader === hb.leader) return undefined;
      return ha.leader ? 'a' : 'b';
    });
    const standbyName = leaderName === 'a' ? 'b' : 'a';
    const leader = leaderName === 'a' ? a : b;
    // Both replicas are scraped side by side through the first runs: they must agree on the
    // RPO compliance, but for a moment shorter than one schedule tick (3 s) while a snapshot lands.
    const compliance = async (url: string): Promise<string | undefined> => /strata_plan_rpo_compliant\{plan="files",role="(?:leader|standby)"\} (\d)/.exec(await (await fetch(`${url}/metrics`)).text())?.[1];
    const samples: { at: number; leader?: string; standby?: string }[] = [];
    let scraping = true;
    const scraper = (async () => {
      for (let i = 0; scraping && i < 400; i++) {
        const [l, sb] = await Promise.all([compliance(urls[leaderName]), compliance(urls[standbyName])]);
        samples.push({ at: Date.now(), ...(l !== undefined && { leader: l }), ...(sb !== undefined && { standby: sb }) });
        await sleep(200);
      }
    })();
    await until('a run on the leader', async () => ((await get<Run[]>(`${urls[leaderName]}/api/runs`)).some((r) => r.result === 'succeeded') ? true : undefined));
    await sleep(6_000);
    scraping = false;
    await scraper;
    expect(samples.filter((x) => x.leader === undefined || x.standby === undefined)).toEqual([]);
    expect(samples.at(-1)).toMatchObject({ leader: '1', standby: '1' });
    let longest = 0;
    let since: number | undefined;
    for (const x of samples) {
      if (x.leader === x.standby) since = undefined;
      else longest = Math.max(longest, x.at - (since ??= x.at));
    }
    expect(longest).toBeLessThan(3_000);
    expect(await get<Run[]>(`${urls[standbyName]}/api/runs`)).toEqual([]);
    // The standby exports the same per-plan series, labelled with its role.
    const standbyMetrics = await (await fetch(`${urls[standbyName]}/metrics`)).text();
    expect(standbyMetrics).toContain('strata_plan_runs_total{plan="files",result="succeeded",role="standby"} 0');
    expect(standbyMetrics).toMatch(/strata_plan_last_success_timestamp_seconds\{plan="files",role="standby"\} \d/);
    expect(standbyMetrics).toMatch(/strata_repository_snapshots\{repository="main",role="standby"\} [1-9]/);

    leader.child.kill('SIGKILL');
    const killedAt = Date.now();
    const taken = await until('the standby to run after the leader died', async () => {
      const runs = await get<Run[]>(`${urls[standbyName]}/api/runs`);
      return runs.find((r) => Date.parse(r.startedAt) > killedAt && r.result === 'succeeded');
    }, 60_000);
    expect(taken.plan).toBe('files');
    const health = await get<{ leader: boolean; holder: string }>(`${urls[standbyName]}/healthz`);
    expect(health).toMatchObject({ leader: true, holder: `replica-${standbyName}` });
  }, 180_000);

  it('schedules the retry of a failed run at once, without probing the repository first', async () => {
    // A repository that refuses connections: the run fails after its storage retries.
    const unreachable = join(s.dir, 'unreachable.yaml');
    writeFileSync(unreachable, `
repositories:
  down: { url: s3://bucket/strata, passwordFile: ${s.passwordFile}, s3: { endpoint: http://127.0.0.1:9 } }
plans:
  files:
    repository: down
    sources: [{ type: files, paths: [${data}] }]
    # Far enough apart that the retry comes before the next fire time (retries never pass it).
    schedule: { cron: "*/30 * * * * *" }
`);
    const child = spawn(process.execPath, [main, 'serve', '--config', unreachable, '--listen', '127.0.0.1:0', '--retries', '1', '--retry-backoff', '1s'], {
      env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(child);
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    // Lines are "TIME MESSAGE"; the run's own failure may name the repository too, so whole
    // lines are told apart: the refresh's line starts with "repository down:".
    const lines = () => log.split('\n').map((line) => line.replace(/^\S+ /, ''));
    const firstAfterFailure = (match: (line: string) => boolean) => {
      const all = lines();
      const failed = all.findIndex((line) => line.startsWith('plan files: failed: '));
      return failed < 0 ? -1 : all.findIndex((line, i) => i > failed && match(line));
    };
    const retried = () => firstAfterFailure((line) => line.startsWith('plan files: failed; attempt 2'));
    const refreshed = () => firstAfterFailure((line) => line.startsWith('repository down: '));
    await until('a failed run, its retry and the repository refresh after it', async () => (retried() > 0 && refreshed() > 0 ? true : undefined), 120_000);
    // The retry is announced before the refresh after the failed run has given up on the storage.
    expect(retried()).toBeLessThan(refreshed());
  }, 180_000);
});
