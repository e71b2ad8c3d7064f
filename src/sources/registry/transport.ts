/**
 * HTTP for the distribution API: HTTPS with the system's CAs or a CA file; plain HTTP or an
 * unverified certificate only with `insecure`, and only for a registry on the loopback
 * interface (test registries), never for a real one. Redirects are followed (a blob is
 * often served from object storage) and the Authorization header is dropped when the
 * redirect leaves the registry's host: a storage URL is pre-signed, and the registry's
 * credentials must not reach it.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { OperationError, UsageError } from '../../core/errors.ts';

export interface RegistryEndpoint {
  /** https://registry.example.com (or http://127.0.0.1:5000 with insecure). */
  readonly url: string;
  readonly caFile?: string;
  readonly insecure?: boolean;
  readonly username?: string;
  readonly password?: string;
  /** The configuration field or flag the endpoint came from, for messages. */
  readonly field: string;
  /** No byte for this long: the request fails (a registry that went away mid-run); 60 s by default. */
  readonly idleMs?: number;
}

export interface Response {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly url: string;
  readonly body: Readable;
}

export interface Request {
  readonly method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | Readable;
}

const MAX_REDIRECTS = 5;

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

export class RegistryTransport {
  readonly base: URL;
  private readonly idleMs: number;
  private readonly agent: http.Agent;
  private readonly secureAgent: https.Agent;

  constructor(endpoint: RegistryEndpoint) {
    let base: URL;
    try {
      base = new URL(endpoint.url.replace(/\/+$/, ''));
    } catch {
      throw new UsageError(`${endpoint.field}: ${endpoint.url} is not a URL`, { hint: 'write the registry as https://HOST[:PORT]' });
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new UsageError(`${endpoint.field}: ${endpoint.url}: expected https://HOST[:PORT]`);
    if ((base.protocol === 'http:' || endpoint.insecure === true) && !(endpoint.insecure === true && isLoopback(base.hostname))) {
      throw new UsageError(`${endpoint.field}: ${endpoint.url}: ${base.protocol === 'http:' ? 'plain HTTP' : 'an unverified certificate'} is allowed only with insecure, and only for a registry on 127.0.0.1`, {
        hint: 'use https:// and give the registry\'s CA with caFile',
      });
    }
    let ca: Buffer | undefined;
    if (endpoint.caFile !== undefined) {
      try {
        ca = readFileSync(endpoint.caFile);
      } catch (error) {
        throw new UsageError(`${endpoint.field}: cannot read the CA file ${endpoint.caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    this.base = base;
    this.idleMs = endpoint.idleMs ?? 60_000;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    this.secureAgent = new https.Agent({ keepAlive: true, maxSockets: 16, ...(ca !== undefined && { ca }), ...(endpoint.insecure === true && { rejectUnauthorized: false }) });
  }

  close(): void {
    this.agent.destroy();
    this.secureAgent.destroy();
  }

  /** `/v2/…` or an absolute URL (a Location, a Link, a token realm). */
  resolve(path: string): URL {
    return new URL(path, `${this.base.toString().replace(/\/+$/, '')}/`);
  }

  async send(target: string | URL, request: Request = {}): Promise<Response> {
    let url = typeof target === 'string' ? this.resolve(target) : target;
    let headers = { ...request.headers };
    for (let hop = 0; ; hop++) {
      const response = await this.once(url, request, headers);
      const location = response.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(response.status) && location !== undefined && (request.method ?? 'GET') !== 'PUT' && request.method !== 'PATCH' && request.method !== 'POST';
      if (!redirect) return response;
      response.body.resume();
      if (hop >= MAX_REDIRECTS) throw new OperationError(`${url.origin}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if (next.host !== this.base.host) {
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
      }
      url = next;
    }
  }

  private once(url: URL, request: Request, headers: Record<string, string>): Promise<Response> {
    const secure = url.protocol === 'https:';
    const body = request.body;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, {
        method: request.method ?? 'GET',
        agent: secure ? this.secureAgent : this.agent,
        headers: { ...headers, ...(Buffer.isBuffer(body) && { 'Content-Length': String(body.length) }) },
      }, (res) => {
        res.setTimeout(this.idleMs, () => res.destroy(new OperationError(`${url.origin}: no data for ${this.idleMs / 1000}s`)));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url: url.toString(), body: res });
      });
      req.setTimeout(this.idleMs, () => req.destroy(new OperationError(`${url.origin}: no answer for ${this.idleMs / 1000}s`)));
      req.on('error', (error) => reject(error instanceof OperationError ? error : new OperationError(`${request.method ?? 'GET'} ${url.origin}${url.pathname}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, { cause: error })));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (error) => req.destroy(error));
        body.pipe(req);
      }
    });
  }
}

/** A response body, whole (manifests, errors, tokens: small). */
export async function readAll(body: Readable, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new OperationError(`a registry answer larger than ${limit} bytes where a small one was expected`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
