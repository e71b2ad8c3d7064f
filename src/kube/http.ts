/**
 * Raw JSON access to the Kubernetes API over one keep-alive agent. Objects are read and
 * written exactly as the API returns them: client-node's typed models would drop fields
 * they do not know (custom resources, newer API versions) and cost a conversion per object.
 * Authentication (client certificates, tokens, exec plugins) comes from the kubeconfig
 * through client-node, refreshed every minute so that short-lived tokens keep working.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConnection } from './connection.ts';

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

/** The API's own failure: HTTP status plus the Status object's reason and message. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly path: string;

  constructor(status: number, reason: string, message: string, path: string) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.path = path;
  }
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
  private readonly maxSockets: number;

  constructor(connection: KubeConnection, options: { maxSockets?: number } = {}) {
    this.connection = connection;
    this.base = new URL(connection.server);
    this.maxSockets = options.maxSockets ?? 16;
  }

  /** TLS material and headers from the kubeconfig, and one agent built from them. */
  private async requestOptions(): Promise<https.RequestOptions> {
    if (this.options !== undefined && Date.now() - this.optionsAt < AUTH_REFRESH_MS) return this.options;
    const options: https.RequestOptions = {};
    await this.connection.config.applyToHTTPSOptions(options);
    if (this.agent === undefined) {
      const tls = { ca: options.ca, cert: options.cert, key: options.key, pfx: options.pfx, passphrase: options.passphrase, servername: options.servername };
      const common = { keepAlive: true, maxSockets: this.maxSockets };
      this.agent = this.base.protocol === 'https:'
        ? new https.Agent({ ...common, ...tls, ...(options.rejectUnauthorized !== undefined && { rejectUnauthorized: options.rejectUnauthorized }) })
        : new http.Agent(common);
    }
    this.options = { ...options, agent: this.agent };
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
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
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
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request that must succeed (2xx); anything else becomes a KubeApiError. */
  async json<T = unknown>(path: string, request: KubeRequest = {}): Promise<T> {
    const response = await this.request<T>(path, request);
    if (response.status >= 200 && response.status < 300) return response.body;
    throw apiError(path, response);
  }

  close(): void {
    this.agent?.destroy();
  }
}

export function apiError(path: string, response: KubeResponse): KubeApiError {
  const body = response.body as { reason?: string; message?: string } | string;
  const reason = typeof body === 'object' && body !== null ? (body.reason ?? '') : '';
  const message = typeof body === 'object' && body !== null ? (body.message ?? `HTTP ${response.status}`) : `HTTP ${response.status}${body ? `: ${String(body).slice(0, 200)}` : ''}`;
  return new KubeApiError(response.status, reason, message, path);
}
