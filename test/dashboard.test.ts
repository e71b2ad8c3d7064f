/**
 * The dashboard of `strata serve` in a real browser (Debian's chromium through
 * playwright-core) on the test bed: two plans, a few runs (whose retention forgets), and a
 * drill. The overview shows both plans with their compliance and why; the GFS calendar shows
 * the kept snapshots with the rules `strata forget --dry-run --json` gives; a snapshot page
 * lists its sources and its restore commands; the drills page shows the layers. No secret
 * value of the backed-up cluster appears in any page served. Screenshots of each view go to
 * artifacts/dashboard/ (docs/dashboard.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../testbed/browser.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, kubectl } from './helpers/workloads.ts';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const artifacts = fileURLToPath(new URL('../artifacts/dashboard/', import.meta.url));

interface Decision { id: string; keep: boolean; reasons: string[] }

describe('the dashboard', () => {
  const cluster = useCluster({ name: 'dashboard', nodes: 1 });
  const s = scratch();
  let serve: ChildProcess | undefined;
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    serve?.kill('SIGTERM');
  });

  it('shows both plans, the GFS calendar as forget decides it, a snapshot, the drills, and never a secret', async () => {
    const kc = cluster().bed.kubeconfig;
    const ns = cluster().namespace;
    const secret = `dashboard-secret-${randomBytes(6).toString('hex')}`;
    kubectl(kc, ['apply', '-f', '-'], `
apiVersion: v1
kind: Secret
metadata: { name: db, namespace: ${ns} }
stringData: { password: ${secret} }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: ${ns} }
data: { mode: production }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx, env: [{ name: PASSWORD, valueFrom: { secretKeyRef: { name: db, key: password } } }] }] }
`);
    const repo = join(s.dir, 'repo');
    const data = join(s.dir, 'data');
    const work = join(s.dir, 'work');
    mkdirSync(data);
    mkdirSync(work);
    writeFileSync(join(data, 'admin.conf'), 'apiVersion: v1\n');
    const config = join(s.dir, 'strata.yaml');
    writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${kc} }
plans:
  nightly:
    cluster: bed
    repository: main
    rpo: 24h
    rto: 1h
    schedule: { cron: "0 3 1 1 *" }
    sources:
      - { type: objects, includeNamespaces: [${ns}] }
      - { type: files, paths: [${data}] }
    drill: { workDir: ${work}, timeout: 60s }
  control-plane:
    repository: main
    rpo: 1h
    schedule: { cron: "0 4 1 1 *" }
    sources:
      - { type: files, paths: [${join(s.dir, 'gone')}] }
`);
    await s.ok(['init', '--repo', repo]);
    for (let i = 0; i < 4; i++) {
      writeFileSync(join(data, 'admin.conf'), `apiVersion: v1\n# ${i}\n`);
      await s.ok(['run', 'nightly', '--config', config]);
    }
    // This plan's only path is gone: no good snapshot, its RPO violated.
    expect((await s.run(['run', 'control-plane', '--config', config])).code).not.toBe(0);
    await s.ok(['drill', 'nightly', '--config', config]);
    // Retention from now on: the next forget keeps the two newest and drops the rest.
    writeFileSync(config, readFileSync(config, 'utf8').replace('    rto: 1h\n', '    rto: 1h\n    retention: { last: 2, daily: 1 }\n'));
    const forget = JSON.parse((await s.ok(['forget', '--plan', 'nightly', '--config', config, '--dry-run', '--json'])).stdout) as { groups: { decisions: Decision[] }[] };
    const decisions = forget.groups.flatMap((g) => g.decisions);

    const tokenFile = join(s.dir, 'dashboard-token');
    const token = randomBytes(24).toString('base64url');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    serve = spawn(process.execPath, [main, 'serve', '--config', config, '--listen', '127.0.0.1:0', '--dashboard-token-file', tokenFile], { env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    serve.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    await eventually('serve to listen', () => /serving on http:\/\/127\.0\.0\.1:\d+/.test(log), 30_000);
    const base = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(log)![1]!;
    mkdirSync(artifacts, { recursive: true });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const visit = async (path: string, shot: string) => {
      const response = await page.goto(`${base}${path}`);
      expect(response?.status(), path).toBe(200);
      await page.screenshot({ path: join(artifacts, `${shot}.png`), fullPage: true });
      return page.locator('main');
    };

    // The overview: both plans, each judged and why.
    const overview = await visit('/', 'overview');
    expect(await overview.locator('#plan-nightly h2').textContent()).toContain('OK');
    expect(await overview.locator('#plan-nightly').textContent()).toMatch(/within the RPO 1d/);
    expect(await overview.locator('#plan-nightly').textContent()).toMatch(/last drill passed .* RTO \d+\.\ds of 1h/);
    expect(await overview.locator('#plan-control-plane h2').textContent()).toContain('AT RISK');
    expect(await overview.locator('#plan-control-plane').textContent()).toContain('no good snapshot yet; RPO 1h');

    // On a phone the overview reflows to one column: nothing wider than the screen.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    for (const path of ['/', '/plans/nightly/calendar', '/snapshots', '/drills']) {
      await phone.goto(`${base}${path}`);
      // Evaluated in the page, where `document` exists (the tests' lib has no DOM types).
      expect(await phone.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(390);
    }
    await phone.goto(`${base}/`);
    await phone.screenshot({ path: join(artifacts, 'overview-phone.png'), fullPage: true });
    await phone.close();

    // The calendar is forget's decisions: every kept snapshot with its rules, the rest dropped.
    await page.click('#plan-nightly >> text=GFS calendar');
    await page.screenshot({ path: join(artifacts, 'calendar.png'), fullPage: true });
    const calendar = page.locator('main');
    const kept = decisions.filter((d) => d.keep);
    const dropped = decisions.filter((d) => !d.keep);
    expect([kept.length, dropped.length]).toEqual([2, 2]);
    expect(await calendar.textContent()).toContain('2 kept, 2 dropped by the next forget.');
    const titleOf = (id: string) => calendar.locator(`[title^="${id.slice(0, 8)} "]`).getAttribute('title');
    for (const d of kept) expect(await titleOf(d.id)).toContain(d.reasons.join(', '));
    for (const d of dropped) expect(await titleOf(d.id)).toContain('dropped by the next forget');
    // The forget itself: the calendar then holds what it kept, and nothing to drop.
    await s.ok(['forget', '--plan', 'nightly', '--config', config]);
    await page.reload();
    expect(await calendar.textContent()).toContain('2 kept, 0 dropped by the next forget.');
    for (const d of dropped) expect(await calendar.textContent()).not.toContain(d.id.slice(0, 8));

    // A snapshot: its sources and its restore commands.
    const newest = kept[0]!.id;
    const snapshot = await visit(`/snapshots/${newest}`, 'snapshot');
    expect(await snapshot.locator('h2').allTextContents()).toEqual(expect.arrayContaining(['objects', 'files', 'Restore']));
    expect(await snapshot.locator('pre').textContent()).toContain(`strata restore ${newest.slice(0, 12)} --objects --dry-run --repo main`);
    const list = await visit('/snapshots?plan=nightly', 'snapshots');
    expect(await list.textContent()).toMatch(new RegExp(`${kept.length} of \\d+ snapshots\\.`));

    // The drill with a bar per layer.
    const drills = await visit('/drills', 'drills');
    expect(await drills.locator('h2').first().textContent()).toContain('PASSED');
    expect(await drills.locator('svg rect').count()).toBeGreaterThanOrEqual(2);
    await visit('/growth', 'growth');

    // Run now: refused without the token (and no button is shown), started with it, then listed.
    expect(await (await visit('/', 'overview')).locator('button', { hasText: 'Run now' }).count()).toBe(0);
    const refused = await fetch(`${base}/actions/run`, { method: 'POST', body: new URLSearchParams({ plan: 'nightly' }) });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('actions need the operator token');
    await page.goto(`${base}/login`);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    const before = ((await (await fetch(`${base}/api/runs?plan=nightly`)).json()) as unknown[]).length;
    await page.click('#plan-nightly >> button:has-text("Run now")');
    expect(new URL(page.url()).pathname).toBe('/runs');
    let runs: { plan: string; trigger: string; result: string; snapshot?: string }[] = [];
    await eventually('the run started from the dashboard to finish', async () => {
      runs = (await (await fetch(`${base}/api/runs?plan=nightly`)).json()) as typeof runs;
      return runs.length > before;
    }, 120_000);
    expect(runs[0]).toMatchObject({ plan: 'nightly', trigger: 'manual', result: 'succeeded' });
    await page.goto(`${base}/runs`);
    await page.screenshot({ path: join(artifacts, 'runs.png'), fullPage: true });
    expect(await page.locator('main').textContent()).toContain(runs[0]!.snapshot!.slice(0, 8));

    // No page shows a secret value of the cluster, in the clear or base64.
    expect(log).not.toContain(token);
    const pages = ['/', '/plans/nightly/calendar', '/plans/control-plane/calendar', '/snapshots', '/drills', '/growth', '/runs', '/api/snapshots', '/api/status', '/api/drills', '/metrics',
      ...decisions.filter((d) => d.keep).flatMap((d) => [`/snapshots/${d.id}`, `/snapshots/${d.id}/restore.sh`])];
    for (const path of pages) {
      const text = await (await fetch(`${base}${path}`)).text();
      expect(text, path).not.toContain(secret);
      expect(text, path).not.toContain(Buffer.from(secret).toString('base64'));
    }
  }, 600_000);
});
