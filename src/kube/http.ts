/**
 * Raw JSON access to the Kubernetes API over one keep-alive agent. Objects are read and
 * written exactly as the API returns them: client-node's typed models would drop fields
 * they do not know (custom resources, newer API versions) and cost a conversion per object.
 * Authentication (client certificates, tokens, exec plugins) comes from the kubeconfig,
 * refreshed every minute so that short-lived tokens keep working.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { unreachable, type KubeConnection } from './connection.ts';
import { apiError } from './errors.ts';
import type { Credentials } from './kubeconfig.ts';

export interface KubeResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export interface KubeRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** Requests slower than this fail: a list page or an apply never legitimately takes longer. */
const REQUEST_TIMEOUT_MS = 120_000;
const AUTH_REFRESH_MS = 60_000;

export class KubeHttp {
  readonly connection: KubeConnection;
  private readonly base: URL;
  private agent: http.Agent | undefined;
  private options: https.RequestOptions | undefined;
  private optionsAt = 0;
  private credentials: Credentials | undefined;
  private readonly maxSockets: number;

  constructor(connection: KubeConnection, options: { maxSockets?: number } = {}) {
    this.connection = connection;
    this.base = new URL(connection.server);
    this.maxSockets = options.maxSockets ?? 16;
  }

  /** TLS material and headers from the kubeconfig, and one agent built from them (again when a plugin rotates the certificate). */
  private async requestOptions(): Promise<https.RequestOptions> {
    if (this.options !== undefined && Date.now() - this.optionsAt < AUTH_REFRESH_MS) return this.options;
    const credentials = await this.connection.credentials();
    if (this.agent === undefined || this.credentials?.cert !== credentials.cert || this.credentials?.key !== credentials.key) {
      this.agent?.destroy();
      const common = { keepAlive: true, maxSockets: this.maxSockets };
      this.agent = this.base.protocol === 'https:'
        ? new https.Agent({
          ...common, ca: credentials.ca, cert: credentials.cert, key: credentials.key,
          rejectUnauthorized: !credentials.insecure, ...(credentials.servername !== undefined && { servername: credentials.servername }),
        })
        : new http.Agent(common);
    }
    this.credentials = credentials;
    this.options = { agent: this.agent, headers: credentials.authorization === undefined ? {} : { Authorization: credentials.authorization } };
    this.optionsAt = Date.now();
    return this.options;
  }

  /** Sends one request; resolves with any HTTP status (callers decide what is an error). */
  async request<T = unknown>(path: string, request: KubeRequest = {}): Promise<KubeResponse<T>> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const options = await this.requestOptions();
    const payload = request.body === undefined ? undefined : Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body));
    const headers: Record<string, string | number> = { ...(options.headers as Record<string, string>), Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = request.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<KubeResponse<T>>((resolve, reject) => {
      const req = client.request(url, { ...options, method: request.method ?? 'GET', headers, timeout: REQUEST_TIMEOUT_MS, ...(request.signal && { signal: request.signal }) }, (res) => {
        // Decoded as it arrives: no list of chunks and no concatenated copy of a page.
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          let body: unknown = text;
          if (text.length > 0 && (res.headers['content-type'] ?? '').includes('json')) {
            try {
              body = JSON.parse(text);
            } catch (error) {
              reject(new Error(`${url.pathname}: the API server sent JSON that does not parse: ${(error as Error).message}`));
              return;
            }
          }
          resolve({ status: res.statusCode ?? 0, body: body as T });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${url.pathname}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', (error) => reject(this.worded(error)));
      req.end(payload);
    });
  }

  /** A request that must succeed (2xx); anything else becomes a KubeApiError. */
  async json<T = unknown>(path: string, request: KubeRequest = {}): Promise<T> {
    const response = await this.request<T>(path, request);
    if (response.status >= 200 && response.status < 300) return response.body;
    throw apiError(path, response);
  }

  /**
   * Opens a WebSocket to `path` (pods/exec and the like) with the same credentials; resolves
   * with the raw socket once the server switched protocols. `query` values may repeat.
   */
  async upgrade(path: string, query: readonly (readonly [string, string])[], protocols: readonly string[]): Promise<{ socket: Duplex; head: Buffer; protocol: string }> {
    const url = new URL(path, this.base);
    for (const [key, value] of query) url.searchParams.append(key, value);
    const options = await this.requestOptions();
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, {
        ...options,
        // An upgraded socket leaves the pool; a keep-alive agent would count it forever.
        agent: undefined,
        ...(this.credentials !== undefined && url.protocol === 'https:' && {
          ca: this.credentials.ca, cert: this.credentials.cert, key: this.credentials.key, rejectUnauthorized: !this.credentials.insecure,
          ...(this.credentials.servername !== undefined && { servername: this.credentials.servername }),
        }),
        headers: {
          ...(options.headers as Record<string, string>),
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
          'Sec-WebSocket-Protocol': protocols.join(', '),
        },
        timeout: REQUEST_TIMEOUT_MS,
      });
      req.on('upgrade', (res, socket, head) => resolve({ socket, head, protocol: String(res.headers['sec-websocket-protocol'] ?? '') }));
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: the text is the message
          }
          reject(apiError(url.pathname, { status: res.statusCode ?? 0, body }));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${url.pathname}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', (error) => reject(this.worded(error)));
      req.end();
    });
  }

  /** A server that cannot be reached is named with the kubeconfig it came from; other errors pass. */
  private worded(error: Error): Error {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const unreached = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(code) || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
    return unreached ? unreachable(this.connection, error) : error;
  }

  close(): void {
    this.agent?.destroy();
  }
}
