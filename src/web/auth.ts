/**
 * Who may read the dashboard and who may act (run a plan, hold a snapshot, start a drill):
 *
 * - an operator token, from a file: sent as `Authorization: Bearer TOKEN` by a script, or
 *   typed once into the login form, which starts a session (an HttpOnly, SameSite=Strict
 *   cookie holding a random ID; sessions live in memory, 12 hours);
 * - behind an authenticating proxy, a trusted header naming the user's groups: members of an
 *   operator group act, members of a viewer group read. Only for a serve that nothing but the
 *   proxy can reach: the header is believed as sent.
 *
 * Reading is open unless viewer groups are configured. Every action from a browser (a
 * session or the proxy: credentials the browser sends by itself) carries a CSRF token bound
 * to that identity, and a cross-site Origin or Sec-Fetch-Site is refused. A bearer token is
 * not ambient, so it needs neither.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PageRequest } from '../engine/serve/view.ts';

export interface DashboardAuth {
  /** The operator token (the file's content, trimmed). */
  readonly token?: string;
  readonly proxy?: {
    /** The header the proxy sets with the user's groups, comma-separated (X-Forwarded-Groups). */
    readonly groupsHeader: string;
    /** The header naming the user, for the log (X-Forwarded-User). */
    readonly userHeader?: string;
    readonly operators: readonly string[];
    /** Without any, reading is open. */
    readonly viewers: readonly string[];
  };
}

export interface Visitor {
  readonly read: boolean;
  readonly act: boolean;
  /** Who, for the log and holds. */
  readonly name: string;
  /** The identity a CSRF token is bound to; none for a bearer token (not ambient). */
  readonly ambient?: string;
}

const SESSION_MS = 12 * 3_600_000;
export const SESSION_COOKIE = 'strata_session';

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class Gate {
  private readonly auth: DashboardAuth;
  private readonly sessions = new Map<string, number>();
  /** Signs CSRF tokens; new at each start, so a restart ends every session's forms. */
  private readonly secret = randomBytes(32);

  constructor(auth: DashboardAuth) {
    this.auth = auth;
  }

  get canLogIn(): boolean {
    return this.auth.token !== undefined;
  }

  visitor(request: PageRequest): Visitor {
    const bearer = /^Bearer (.+)$/.exec(request.headers['authorization'] ?? '')?.[1];
    if (bearer !== undefined && this.auth.token !== undefined && same(bearer, this.auth.token)) return { read: true, act: true, name: 'token' };
    const session = this.session(request);
    if (session !== undefined) return { read: true, act: true, name: 'operator (token login)', ambient: `session:${session}` };
    const proxy = this.auth.proxy;
    if (proxy !== undefined) {
      const groups = (request.headers[proxy.groupsHeader.toLowerCase()] ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
      const user = (proxy.userHeader === undefined ? undefined : request.headers[proxy.userHeader.toLowerCase()]) ?? 'proxy user';
      const act = groups.some((g) => proxy.operators.includes(g));
      const read = act || proxy.viewers.length === 0 || groups.some((g) => proxy.viewers.includes(g));
      return { read, act, name: user, ...(act && { ambient: `proxy:${user}` }) };
    }
    return { read: true, act: false, name: 'anonymous' };
  }

  /** A session when `token` is the operator token; the cookie to set. */
  login(token: string, secure: boolean): string | undefined {
    if (this.auth.token === undefined || !same(token.trim(), this.auth.token)) return undefined;
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, Date.now() + SESSION_MS);
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
  }

  logout(request: PageRequest): string {
    const id = this.sessionId(request);
    if (id !== undefined) this.sessions.delete(id);
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  /** The CSRF token a form of this visitor carries. */
  csrf(visitor: Visitor): string {
    return visitor.ambient === undefined ? '' : createHmac('sha256', this.secret).update(visitor.ambient).digest('base64url');
  }

  /** Why an action must be refused, or undefined when it may go ahead. */
  refusal(request: PageRequest, visitor: Visitor): string | undefined {
    if (!visitor.act) return this.canLogIn ? 'actions need the operator token: log in, or send Authorization: Bearer' : 'actions are not enabled (strata serve --dashboard-token-file, or an operator group behind the proxy)';
    if (visitor.ambient === undefined) return undefined;
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
    const origin = request.headers['origin'];
    const host = request.headers['host'];
    if (origin !== undefined && host !== undefined && origin !== 'null' && new URL(origin).host !== host) return `cross-origin request refused (Origin ${origin})`;
    if (origin === 'null') return 'cross-origin request refused (Origin null)';
    const sent = request.form.get('csrf') ?? '';
    return same(sent, this.csrf(visitor)) ? undefined : 'the form is stale or forged (CSRF token): reload the page and try again';
  }

  private sessionId(request: PageRequest): string | undefined {
    const cookies = (request.headers['cookie'] ?? '').split(';').map((c) => c.trim());
    return cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.slice(SESSION_COOKIE.length + 1);
  }

  private session(request: PageRequest): string | undefined {
    const id = this.sessionId(request);
    if (id === undefined || id === '') return undefined;
    const until = this.sessions.get(id);
    if (until === undefined) return undefined;
    if (until < Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return id;
  }
}
