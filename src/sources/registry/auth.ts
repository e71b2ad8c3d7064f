/**
 * Registry authentication, as the distribution spec's token flow has it: a request without
 * credentials gets 401 with a `WWW-Authenticate` challenge; for `Basic`, the user name and
 * password go with every request; for `Bearer`, a token is fetched from the challenge's realm
 * for the service and scope (with the user name and password as Basic, or anonymously),
 * and kept per scope until it expires.
 */
import { OperationError } from '../../core/errors.ts';
import { parseChallenge } from '../../core/registry/protocol.ts';
import { readAll, type RegistryEndpoint, type RegistryTransport } from './transport.ts';

interface Token {
  readonly value: string;
  readonly expires: number;
}

/** Tokens are renewed this long before the registry's expiry. */
const EARLY_MS = 30_000;

export class RegistryAuth {
  private basic = false;
  private readonly tokens = new Map<string, Token>();
  private readonly endpoint: RegistryEndpoint;
  private readonly transport: RegistryTransport;

  constructor(endpoint: RegistryEndpoint, transport: RegistryTransport) {
    this.endpoint = endpoint;
    this.transport = transport;
  }

  private basicValue(): string | undefined {
    const { username, password } = this.endpoint;
    return username === undefined ? undefined : `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
  }

  /** The Authorization header for a request needing `scope`, when one is known. */
  header(scope: string): string | undefined {
    const token = this.tokens.get(scope);
    if (token !== undefined && token.expires > Date.now()) return `Bearer ${token.value}`;
    return this.basic ? this.basicValue() : undefined;
  }

  /**
   * After a 401 to a request that carried `sent`: gets what the challenge asks for. Throws
   * when it cannot be had. Requests run in parallel: when another one got credentials since
   * this one was sent, those are tried first.
   */
  async answer(header: string | undefined, scope: string, sent: string | undefined): Promise<void> {
    const now = this.header(scope);
    if (now !== undefined && now !== sent) return;
    const challenge = header === undefined ? undefined : parseChallenge(header);
    const who = this.endpoint.username === undefined ? 'anonymously' : `as ${this.endpoint.username}`;
    if (challenge?.scheme === 'basic') {
      if (this.endpoint.username === undefined || this.basic) throw this.refused(`the registry wants a user name and password (Basic) and ${this.basic ? 'refused the ones given' : 'none was given'}`);
      this.basic = true;
      return;
    }
    if (challenge?.scheme !== 'bearer' || challenge.params['realm'] === undefined) throw this.refused(`401 without a challenge Strata can answer (${header ?? 'no WWW-Authenticate'})`);
    const wanted = challenge.params['scope'] ?? scope;
    const realm = new URL(challenge.params['realm']);
    if (challenge.params['service'] !== undefined) realm.searchParams.set('service', challenge.params['service']);
    for (const s of wanted.split(' ')) realm.searchParams.append('scope', s);
    const basic = this.basicValue();
    const response = await this.transport.send(realm, { headers: basic === undefined ? {} : { Authorization: basic } });
    const body = await readAll(response.body);
    if (response.status !== 200) throw this.refused(`the token server ${realm.origin}${realm.pathname} refused ${who} for ${wanted} (HTTP ${response.status})`);
    let answer: { token?: string; access_token?: string; expires_in?: number };
    try {
      answer = JSON.parse(body.toString('utf8')) as typeof answer;
    } catch {
      throw this.refused(`the token server ${realm.origin}${realm.pathname} answered something that is not JSON`);
    }
    const value = answer.token ?? answer.access_token;
    if (value === undefined || value === '') throw this.refused(`the token server ${realm.origin}${realm.pathname} gave no token`);
    const lifetime = (answer.expires_in ?? 60) * 1000;
    const token = { value, expires: Date.now() + Math.max(lifetime - EARLY_MS, lifetime / 2) };
    this.tokens.set(scope, token);
    if (wanted !== scope) this.tokens.set(wanted, token);
  }

  refused(why: string): OperationError {
    return new OperationError(`registry ${this.transport.base.host}: authentication failed: ${why}`, {
      hint: `check ${this.endpoint.field}'s username and passwordFile, and that the account may read (and, to restore, push) these repositories`,
    });
  }
}
