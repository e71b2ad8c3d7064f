/**
 * The Docker Engine API over its unix socket or TCP with TLS client certificates, as plain
 * JSON over HTTP: the endpoints Strata uses are few and stable (swarm, nodes, services,
 * networks, configs, secrets), and objects are kept exactly as the engine returns them.
 * Unversioned paths: the engine answers at its own API version, and 1.41 (Engine 20.10) or
 * newer is required.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { OperationError, UsageError } from '../core/errors.ts';
import { dockerAddress, type DockerEndpoint } from './connection.ts';

export interface DockerRequest {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request the engine answered with an error status: the engine's own message, and the status. */
export class DockerApiError extends OperationError {
  readonly status: number;

  constructor(status: number, what: string, message: string) {
    super(`${what}: ${message} (HTTP ${status})`);
    this.status = status;
  }
}

/** Requests slower than this fail: no call Strata makes legitimately takes longer. */
const REQUEST_TIMEOUT_MS = 60_000;

export class DockerEngine {
  readonly endpoint: DockerEndpoint;
  private readonly agent: http.Agent;
  private readonly target: http.RequestOptions;
  private readonly secure: boolean;

  constructor(endpoint: DockerEndpoint) {
    this.endpoint = endpoint;
    const address = dockerAddress(endpoint);
    this.secure = !('socketPath' in address);
    if ('socketPath' in address) {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      this.target = { socketPath: address.socketPath };
    } else {
      const tls = endpoint.tls!;
      const read = (file: string, what: string) => {
        try {
          return readFileSync(file);
        } catch (error) {
          throw new UsageError(`${endpoint.field}: cannot read the TLS ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
      };
      this.agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: read(tls.ca, 'CA'), cert: read(tls.cert, 'certificate'), key: read(tls.key, 'key') });
      this.target = { hostname: address.hostname, port: address.port };
    }
  }

  close(): void {
    this.agent.destroy();
  }

  /** Sends one request and parses the JSON answer (undefined for an empty body). */
  async json<T>(path: string, request: DockerRequest = {}): Promise<T> {
    const { status, body } = await this.send(path, request);
    if (status >= 400) throw new DockerApiError(status, `${request.method ?? 'GET'} ${path}`, errorMessage(body));
    return (body.length === 0 ? undefined : JSON.parse(body.toString('utf8'))) as T;
  }

  /** The status and raw body of one request (404 and 409 are answers some callers expect). */
  async send(path: string, request: DockerRequest = {}): Promise<{ status: number; body: Buffer }> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) query.set(key, String(value));
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const options: http.RequestOptions = {
      ...this.target,
      agent: this.agent,
      method: request.method ?? 'GET',
      path: query.size === 0 ? path : `${path}?${query}`,
      headers: { ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': payload.length }), ...request.headers },
      timeout: REQUEST_TIMEOUT_MS,
    };
    return new Promise((resolve, reject) => {
      const req = (this.secure ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', (error) => reject(this.unreachable(error)));
      req.end(payload);
    });
  }

  private unreachable(error: Error): OperationError {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no socket there' : code === 'ECONNREFUSED' ? 'connection refused' : code === 'EACCES' ? 'permission denied' : error.message;
    return new OperationError(`Docker Engine ${this.endpoint.host} (${this.endpoint.field}): ${reason}`, {
      hint: code === 'EACCES' ? 'run as root or as a member of the docker group' : 'check that the engine is running and that the host setting points at it',
      cause: error,
    });
  }
}

function errorMessage(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: string };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the text itself
  }
  return body.toString('utf8').trim() || 'no message';
}
