import { describe, expect, it } from 'vitest';
import { configSchema } from '../sources/registry.ts';
import type { DrillReport } from '../core/drill/report.ts';
import { applyRetention } from '../core/retention/policy.ts';
import type { PlanStatus } from '../engine/plan/status.ts';
import type { PageRequest, ServeView } from '../engine/serve/view.ts';
import type { StoredSnapshot } from '../repository/snapshot.ts';
import { createDashboard, dashboard } from './dashboard.ts';
import { escapeHtml, html } from './html.ts';
import { drillJudgement, rpoJudgement } from './pages/overview.ts';

const HOUR = 3_600_000;
const now = Date.now();

const snapshot = (i: number, over: Partial<StoredSnapshot> = {}): StoredSnapshot & { repository: string } => ({
  id: `${String(i).padStart(2, '0')}${'ab'.repeat(31)}`, version: 1, time: new Date(now - (20 - i) * 24 * HOUR).toISOString(), host: 'cp-1', username: 'root', tags: [], paths: [],
  parent: null, tree: 'f'.repeat(64), sources: [{ type: 'files', paths: ['/etc/kubernetes'] }], result: 'completed', warnings: [], origin: null, plan: 'nightly',
  summary: { files: 10, dirs: 2, bytes: 1000 * i, newBytes: 100 * i, durationMs: 1500 }, repository: 'main', ...over,
});

const config = configSchema.parse({
  repositories: { main: { url: '/srv/strata', passwordFile: '/etc/strata/pass' } },
  plans: {
    nightly: { repository: 'main', rpo: '24h', rto: '1h', schedule: { cron: '0 1 * * *' }, retention: { daily: 3, weekly: 2 }, sources: [{ type: 'files', paths: ['/etc/kubernetes'] }] },
  },
});

const calls: string[] = [];

function view(over: Partial<ServeView> = {}): ServeView {
  const snapshots = Array.from({ length: 20 }, (_, i) => snapshot(i + 1));
  const report: DrillReport = {
    version: 1, id: 'd1', plan: 'nightly', snapshot: snapshots.at(-1)!.id, snapshotTime: snapshots.at(-1)!.time, host: 'cp-1', mode: 'scratch',
    startedAt: new Date(now - HOUR).toISOString(), finishedAt: new Date(now - HOUR + 60_000).toISOString(), result: 'failed', rtoMs: 42_000, targetRtoMs: HOUR,
    layers: [{ layer: 'objects', result: 'failed', detail: '', startedMs: 0, durationMs: 42_000, readyMs: 42_000, steps: [{ name: 'wait until the copy serves', result: 'failed', detail: 'Deployment shop-restore/<web>: 0 of 2 replicas available', durationMs: 40_000 }] }],
    failures: ['objects: wait until the copy serves: Deployment shop-restore/<web>: 0 of 2 replicas available'], cleanUp: { kept: false, removed: [], problems: [] },
  };
  const status: PlanStatus = { plan: 'nightly', repository: 'main', snapshots: 20, lastResult: 'completed', lastGood: snapshots.at(-1)!.time, ageMs: 24 * HOUR, rpoMs: 24 * HOUR, violated: false, drill: { lastDrill: report.startedAt, lastResult: 'failed', lastRtoMs: 42_000, targetRtoMs: HOUR, overdue: false, violated: true, reason: 'the last drill failed' } };
  return {
    config,
    plans: () => ['nightly'],
    statuses: () => Promise.resolve([status]),
    snapshots: () => Promise.resolve(snapshots),
    drills: () => Promise.resolve([report]),
    runs: () => [],
    repository: () => ({ storedBytes: 1000, logicalBytes: 21_000 }),
    nextRuns: () => new Map([['nightly', now + HOUR]]),
    holds: () => Promise.resolve(new Map()),
    running: () => [],
    actions: {
      runNow: (plan, by) => void calls.push(`run ${plan} by ${by}`),
      drillNow: (plan, by) => void calls.push(`drill ${plan} by ${by}`),
      hold: (repository, snapshot, reason, by) => Promise.resolve(void calls.push(`hold ${repository} ${snapshot.slice(0, 4)} ${reason} by ${by}`)),
      release: () => Promise.resolve(true),
    },
    retention: () => Promise.resolve([{ group: { plan: 'nightly' }, decisions: applyRetention(snapshots.map((s) => ({ id: s.id, time: Date.parse(s.time) })), { daily: 3, weekly: 2 }).map((d) => ({ ...d, host: 'cp-1', sources: 'files' })) }]),
    ...over,
  };
}

const request = (url: string, over: Partial<PageRequest> = {}): PageRequest => ({ method: 'GET', path: url.split('?')[0]!, query: new URLSearchParams(url.split('?')[1] ?? ''), headers: { host: 'serve:9464' }, form: new URLSearchParams(), secure: false, ...over });
const page = async (url: string, v = view()) => (await dashboard(request(url), v))!;

describe('the dashboard', () => {
  it('escapes every value it renders', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    expect(html`<p title="${'"><img src=x>'}">${'<b>'}${[html`<i>ok</i>`, '<u>']}</p>`.text).toBe('<p title="&quot;&gt;&lt;img src=x&gt;">&lt;b&gt;<i>ok</i>&lt;u&gt;</p>');
  });

  it('judges each plan and says why: RPO within, kept; a failed drill, at risk', async () => {
    const [status] = await view().statuses();
    expect(rpoJudgement(status!)).toEqual({ level: 'ok', why: 'newest good snapshot 24h00m ago, within the RPO 1d' });
    expect(rpoJudgement({ ...status!, violated: true, ageMs: 30 * HOUR })).toMatchObject({ level: 'bad', why: 'newest good snapshot 30h00m ago, older than the RPO 1d' });
    expect(rpoJudgement({ ...status!, lastResult: 'partially-failed' }).level).toBe('warn');
    expect(rpoJudgement({ ...status!, error: 'no such bucket' })).toEqual({ level: 'bad', why: 'repository unreadable: no such bucket' });
    expect(drillJudgement(status!)).toEqual({ level: 'bad', why: 'the last drill failed' });
    expect(drillJudgement({ ...status!, drill: undefined }).level).toBe('none');
    const overview = await page('/');
    expect(overview.status).toBe(200);
    expect(overview.type).toContain('text/html');
    expect(overview.body).toContain('<span class="state bad">AT RISK</span> nightly');
    expect(overview.body).toContain('dedup and compression 21.0×');
    expect(overview.body).not.toMatch(/<script/i);
  });

  it('lays the plan\'s snapshots on its GFS calendar with the rule that keeps each', async () => {
    const calendar = await page('/plans/nightly/calendar');
    expect(calendar.status).toBe(200);
    expect(calendar.body).toContain('Policy: daily 3, weekly 2; days in UTC');
    // Exactly the decisions forget would make: each kept one with its rules, each other one dropped.
    const [group] = (await view().retention('nightly'))!;
    const kept = group!.decisions.filter((d) => d.keep);
    expect(kept.length).toBeGreaterThan(2);
    expect(calendar.body).toContain(`${kept.length} kept, ${20 - kept.length} dropped by the next forget.`);
    expect(calendar.body).toMatch(/daily #1, weekly #1/);
    for (const d of kept) expect(calendar.body).toContain(`${d.id.slice(0, 8)}</a> <span class="ok">${d.reasons.map((r) => r.replace(/ \(.*\)$/, '')).join(', ')}</span>`);
    expect((calendar.body.match(/>drops</g) ?? []).length).toBe(20 - kept.length);
    expect((await page('/plans/other/calendar')).status).toBe(404);
  });

  it('lists and filters snapshots, shows one with its restore commands, and names what failed in a drill', async () => {
    const list = await page('/snapshots?result=failed');
    expect(list.body).toContain('0 of 20 snapshots.');
    const id = (await view().snapshots())[4]!.id;
    const one = await page(`/snapshots/${id.slice(0, 10)}`);
    expect(one.status).toBe(200);
    expect(one.body).toContain(`strata restore ${id.slice(0, 12)} --files --target ./restore-${id.slice(0, 8)} --dry-run --repo main`);
    const script = await page(`/snapshots/${id}/restore.sh`);
    expect(script.type).toContain('shellscript');
    expect(script.body).toMatch(/^#!\/bin\/sh\n/);
    expect((await page('/snapshots/zzzz')).status).toBe(404);
    const drills = await page('/drills');
    expect(drills.body).toContain('Deployment shop-restore/&lt;web&gt;: 0 of 2 replicas available');
    expect(drills.body).toContain('<svg');
    const growth = (await page('/growth')).body;
    expect(growth).toContain('20 snapshots added 20.5 KiB to main.');
    // The repository's growth: each snapshot's point is the sum of what it and the ones before added.
    expect(growth).toContain('main: growth over time');
    expect(growth).toContain(`${(await view().snapshots())[19]!.id.slice(0, 8)} ${(await view().snapshots())[19]!.time}: 20.5 KiB added so far`);
    expect(growth).toContain(`${(await view().snapshots())[1]!.id.slice(0, 8)} ${(await view().snapshots())[1]!.time}: 300 B added so far`);
  });

  it('shows what runs now with its progress, and reloads the runs page meanwhile', async () => {
    const busy = view({ running: () => [{ plan: 'nightly', kind: 'backup', startedAt: '2026-12-07T04:00:00.000Z', trigger: 'manual', progress: 'files 1200 files, 3.1 GiB, 210 MiB/s' }] });
    const runs = (await page('/runs', busy)).body;
    expect(runs).toContain('backup of nightly since 2026-12-07T04:00:00.000Z (manual): <code>files 1200 files, 3.1 GiB, 210 MiB/s</code>');
    expect(runs).toContain('<meta http-equiv="refresh" content="5">');
    expect((await page('/runs')).body).not.toContain('http-equiv="refresh"');
    expect((await page('/', busy)).body).toContain('Running now:');
  });

  it('leaves the API its own 404 and answers unknown pages with one', async () => {
    expect(await dashboard(request('/api/nope'), view())).toBeUndefined();
    expect((await page('/nope')).status).toBe(404);
  });

  it('lets only an operator act: bearer token, or a logged-in session with its CSRF token from the same origin', async () => {
    const token = 'operator-token-0123456789';
    const pages = createDashboard({ token });
    const v = view();
    const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) => pages(request(path, { method: 'POST', form: new URLSearchParams(form), headers: { host: 'serve:9464', ...headers } }), v);
    calls.length = 0;
    // Anonymous: read, never act; the forms are not even shown.
    expect((await post('/actions/run', { plan: 'nightly' }))!.status).toBe(401);
    expect((await pages(request('/'), v))!.body).not.toContain('Run now');
    expect((await post('/actions/run', { plan: 'nightly' }, { authorization: 'Bearer wrong-token-0123456789' }))!.status).toBe(401);
    // A script with the token.
    const accepted = (await post('/actions/run', { plan: 'nightly' }, { authorization: `Bearer ${token}` }))!;
    expect([accepted.status, accepted.body]).toEqual([202, 'run of plan nightly queued\n']);
    // A browser: the wrong token is refused; the right one starts a session.
    expect((await post('/login', { token: 'nope' }))!.status).toBe(401);
    const login = (await post('/login', { token }))!;
    expect(login.status).toBe(303);
    const cookie = login.headers!['Set-Cookie']!;
    expect(cookie).toMatch(/^strata_session=[\w-]+; HttpOnly; SameSite=Strict; Path=\/;/);
    const session = { cookie: cookie.split(';')[0]! };
    const overview = (await pages(request('/', { headers: { host: 'serve:9464', ...session } }), v))!.body;
    expect(overview).toContain('Run now');
    const csrf = /name="csrf" value="([^"]+)"/.exec(overview)![1]!;
    // Without the form's token, or from another site, nothing happens.
    expect((await post('/actions/drill', { plan: 'nightly' }, session))!.status).toBe(403);
    expect((await post('/actions/drill', { plan: 'nightly', csrf }, { ...session, origin: 'https://evil.example' }))!.body).toContain('cross-origin request refused');
    expect((await post('/actions/drill', { plan: 'nightly', csrf }, { ...session, 'sec-fetch-site': 'cross-site' }))!.status).toBe(403);
    const drilled = (await post('/actions/drill', { plan: 'nightly', csrf }, { ...session, origin: 'http://serve:9464', 'sec-fetch-site': 'same-origin' }))!;
    expect([drilled.status, drilled.headers!['Location']]).toEqual([303, '/drills?plan=nightly']);
    const id = (await v.snapshots())[0]!.id;
    expect((await post('/actions/hold', { repository: 'main', snapshot: id, csrf }, session))!.body).toContain('the action needs reason');
    expect((await post('/actions/hold', { repository: 'main', snapshot: id, reason: 'incident 42', csrf }, session))!.status).toBe(303);
    expect(calls).toEqual(['run nightly by token', `drill nightly by operator (token login)`, `hold main ${id.slice(0, 4)} incident 42 by operator (token login)`]);
    // Logged out, the session is gone.
    await post('/logout', {}, session);
    expect((await post('/actions/run', { plan: 'nightly', csrf }, session))!.status).toBe(401);
  });

  it('behind a proxy: operator groups act, viewer groups read, others see nothing', async () => {
    const pages = createDashboard({ proxy: { groupsHeader: 'X-Forwarded-Groups', userHeader: 'X-Forwarded-User', operators: ['sre'], viewers: ['dev'] } });
    const as = (groups: string) => request('/', { headers: { host: 'serve:9464', 'x-forwarded-groups': groups, 'x-forwarded-user': 'ada' } });
    expect((await pages(as(''), view()))!.status).toBe(403);
    expect((await pages(as('dev'), view()))!.body).not.toContain('Run now');
    expect((await pages(as('dev, sre'), view()))!.body).toContain('Run now');
  });
});
