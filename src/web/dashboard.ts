/**
 * The dashboard `strata serve` shows at `/`: pages rendered on the server from the daemon's
 * view (engine/serve/view.ts), plain HTML and inline SVG, no script; and the operator's
 * actions (run now, drill now, hold, release) as POST forms, behind web/auth.ts.
 */
import { StrataError } from '../core/errors.ts';
import type { Page, PageRequest, Pages, ServeView } from '../engine/serve/view.ts';
import { Gate, type DashboardAuth, type Visitor } from './auth.ts';
import type { Actor } from './forms.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { calendarPage } from './pages/calendar.ts';
import { drillsPage } from './pages/drills.ts';
import { growthPage } from './pages/growth.ts';
import { overviewPage } from './pages/overview.ts';
import { runsPage } from './pages/runs.ts';
import { restoreScript, snapshotPage, snapshotsPage } from './pages/snapshots.ts';

const HTML = 'text/html; charset=utf-8';
const ok = (body: string): Page => ({ status: 200, type: HTML, body });
const message = (status: number, title: string, text: string, actor: Actor): Page => ({ status, type: HTML, body: layout(title, '', html`<p>${text}</p><p><a href="/">Overview</a></p>`, actor) });
const seeOther = (location: string, headers: Record<string, string> = {}): Page => ({ status: 303, type: HTML, body: '', headers: { Location: location, ...headers } });

export function createDashboard(auth: DashboardAuth = {}): Pages {
  const gate = new Gate(auth);
  return async (request, view) => {
    if (request.path.startsWith('/api/')) return undefined;
    const visitor = gate.visitor(request);
    const actor: Actor = { act: visitor.act, csrf: gate.csrf(visitor), canLogIn: gate.canLogIn, name: visitor.name };
    if (request.method === 'POST') return post(request, view, gate, visitor, actor);
    if (request.method !== 'GET') return undefined;
    if (!visitor.read) return message(403, 'Not allowed', 'Reading the dashboard needs membership of a viewer group.', actor);
    return get(request, view, actor, gate);
  };
}

async function get(request: PageRequest, view: ServeView, actor: Actor, gate: Gate): Promise<Page> {
  const { path, query } = request;
  if (path === '/') return ok(await overviewPage(view, actor));
  if (path === '/snapshots') return ok(await snapshotsPage(view, query, actor));
  if (path === '/drills') return ok(await drillsPage(view, query, actor));
  if (path === '/growth') return ok(await growthPage(view, actor));
  if (path === '/runs') return ok(runsPage(view, query, actor));
  if (path === '/login') {
    if (!gate.canLogIn) return message(404, 'No login', 'No operator token is configured (strata serve --dashboard-token-file).', actor);
    return ok(layout('Log in', '', html`<form method="post" action="/login"><label>Operator token <input type="password" name="token" autocomplete="current-password" required></label> <button type="submit">Log in</button></form>`, actor));
  }
  const calendar = /^\/plans\/([^/]+)\/calendar$/.exec(path);
  if (calendar !== null) return { type: HTML, ...(await calendarPage(view, decodeURIComponent(calendar[1]!), actor)) };
  const script = /^\/snapshots\/([^/]+)\/restore\.sh$/.exec(path);
  if (script !== null) {
    const text = await restoreScript(view, script[1]!);
    return text === undefined ? { status: 404, type: 'text/plain; charset=utf-8', body: 'no such snapshot\n' } : { status: 200, type: 'text/x-shellscript; charset=utf-8', body: text };
  }
  const snapshot = /^\/snapshots\/([^/]+)$/.exec(path);
  if (snapshot !== null) return { type: HTML, ...(await snapshotPage(view, snapshot[1]!, actor)) };
  return message(404, 'Not found', `No page ${path}.`, actor);
}

async function post(request: PageRequest, view: ServeView, gate: Gate, visitor: Visitor, actor: Actor): Promise<Page | undefined> {
  const { path, form } = request;
  if (path === '/login') {
    const cookie = gate.login(form.get('token') ?? '', request.secure);
    return cookie === undefined ? message(401, 'Not logged in', 'That is not the operator token.', actor) : seeOther('/', { 'Set-Cookie': cookie });
  }
  if (path === '/logout') return seeOther('/', { 'Set-Cookie': gate.logout(request) });
  if (!path.startsWith('/actions/')) return undefined;
  const refusal = gate.refusal(request, visitor);
  if (refusal !== undefined) return message(visitor.act ? 403 : 401, 'Refused', refusal, actor);
  const field = (name: string) => {
    const value = form.get(name) ?? request.query.get(name) ?? '';
    if (value === '') throw new FormError(`the action needs ${name}`);
    return value;
  };
  // A browser goes back to a page that shows the effect; a script gets 202 and a line.
  const done = (location: string, text: string): Page => (visitor.ambient === undefined ? { status: 202, type: 'text/plain; charset=utf-8', body: `${text}\n` } : seeOther(location));
  try {
    switch (path) {
      case '/actions/run': {
        const plan = field('plan');
        view.actions.runNow(plan, visitor.name);
        return done(`/runs?plan=${encodeURIComponent(plan)}`, `run of plan ${plan} queued`);
      }
      case '/actions/drill': {
        const plan = field('plan');
        view.actions.drillNow(plan, visitor.name);
        return done(`/drills?plan=${encodeURIComponent(plan)}`, `drill of plan ${plan} queued`);
      }
      case '/actions/hold': {
        const snapshot = field('snapshot');
        await view.actions.hold(field('repository'), snapshot, field('reason'), visitor.name);
        return done(`/snapshots/${snapshot}`, `snapshot ${snapshot} held`);
      }
      case '/actions/release': {
        const snapshot = field('snapshot');
        const released = await view.actions.release(field('repository'), snapshot);
        return done(`/snapshots/${snapshot}`, released ? `snapshot ${snapshot} released` : `snapshot ${snapshot} was not held`);
      }
      default:
        return message(404, 'Not found', `No action ${path}.`, actor);
    }
  } catch (error) {
    if (error instanceof FormError || error instanceof StrataError) return message(400, 'Refused', error.message, actor);
    throw error;
  }
}

class FormError extends Error {}

/** The read-only dashboard (no actions). */
export const dashboard: Pages = createDashboard();
