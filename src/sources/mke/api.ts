/**
 * MKE's HTTP API, the parts a backup uses (MKE 3.x, "Create an MKE backup using the API"):
 * POST /auth/login → {auth_token} (or an admin client bundle's certificate instead),
 * GET /version (the Docker-compatible answer; its Version reads "ucp/3.8.10"),
 * GET /api/ucp/backups, POST /api/ucp/backup, GET /api/ucp/backup/{id}.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { OperationError, UsageError } from '../../core/errors.ts';

/** One backup as MKE lists it. */
export interface MkeBackup {
  readonly id: string;
  readonly backupState: 'IN_PROGRESS' | 'SUCCESS' | 'FAILED' | string;
  readonly fileName?: string;
  readonly logFileName?: string;
  readonly backupPath?: string;
  readonly nodeLocation?: string;
  readonly encrypted?: boolean;
  readonly shortError?: string;
  readonly created_at?: string;
  readonly completed_at?: string;
}

export interface StartBackup {
  readonly passphrase?: string;
  readonly noPassphrase?: boolean;
  readonly includeLogs: boolean;
  readonly fileName: string;
  readonly logFileName: string;
  readonly hostPath: string;
}

export interface MkeConnection {
  readonly url: string;
  /** Which setting named the URL, for errors. */
  readonly field: string;
  readonly ca?: string;
  readonly bundle?: { readonly cert: string; readonly key: string };
}

const readPem = (file: string, what: string, field: string): Buffer => {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`${field}: cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
};

export class MkeApi {
  private readonly base: URL;
  private readonly agent: https.Agent;
  private token: string | undefined;
  readonly connection: MkeConnection;

  constructor(connection: MkeConnection) {
    this.connection = connection;
    this.base = new URL(connection.url);
    this.agent = new https.Agent({
      keepAlive: false,
      ...(connection.ca !== undefined && { ca: readPem(connection.ca, 'CA', connection.field) }),
      ...(connection.bundle !== undefined && { cert: readPem(connection.bundle.cert, 'bundle certificate', connection.field), key: readPem(connection.bundle.key, 'bundle key', connection.field) }),
    });
  }

  private request(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(path, this.base), {
        method, agent: this.agent, timeout: timeoutMs,
        headers: {
          accept: 'application/json',
          ...(this.token !== undefined && { authorization: `Bearer ${this.token}` }),
          ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': payload.length }),
        },
      }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d)).on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') })).on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000}s`)));
      req.on('error', (error) => reject(new OperationError(`MKE ${this.connection.url} (${this.connection.field}): ${method} ${path}: ${error.message}`, { hint: 'check that MKE answers there and that its CA is the one given' })));
      req.end(payload);
    });
  }

  /** A JSON answer; an error status becomes an OperationError naming the call and MKE's message. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, text } = await this.request(method, path, body);
    if (status < 200 || status >= 300) throw new MkeApiError(status, `${method} ${path}`, text);
    try {
      return (text === '' ? {} : JSON.parse(text)) as T;
    } catch {
      throw new OperationError(`MKE ${this.connection.url}: ${method} ${path}: the answer is not JSON`, { hint: 'is the URL MKE\'s (not a load balancer\'s error page)?' });
    }
  }

  async login(username: string, password: string): Promise<void> {
    try {
      const { auth_token: token } = await this.json<{ auth_token?: string }>('POST', '/auth/login', { username, password });
      if (token === undefined || token === '') throw new OperationError(`MKE ${this.connection.url}: the login answered no auth_token`);
      this.token = token;
    } catch (error) {
      if (error instanceof MkeApiError && (error.status === 401 || error.status === 403)) {
        throw new UsageError(`MKE ${this.connection.url}: user ${username} could not log in (${error.status})`, { hint: 'check the username and the password file; backups need an MKE admin' });
      }
      throw error;
    }
  }

  /** MKE's version, "ucp/3.8.10" as /version tells it; "unknown" when it does not say. */
  async version(): Promise<string> {
    try {
      return (await this.json<{ Version?: string }>('GET', '/version')).Version ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }

  backups(): Promise<MkeBackup[]> {
    return this.json<MkeBackup[]>('GET', '/api/ucp/backups');
  }

  backup(id: string): Promise<MkeBackup> {
    return this.json<MkeBackup>('GET', `/api/ucp/backup/${encodeURIComponent(id)}`);
  }

  /** Starts a backup; its ID (MKE answers it as backupId, id or ID, by version). */
  async start(request: StartBackup): Promise<string | undefined> {
    const answer = await this.json<{ backupId?: string; id?: string; ID?: string }>('POST', '/api/ucp/backup', request);
    return answer.backupId ?? answer.id ?? answer.ID;
  }
}

export class MkeApiError extends OperationError {
  readonly status: number;

  constructor(status: number, what: string, text: string) {
    let message = text.trim().slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { message?: string; errors?: { message?: string }[] };
      message = parsed.message ?? parsed.errors?.[0]?.message ?? message;
    } catch {
      // not JSON: the text as it came
    }
    super(`MKE ${what}: ${status}${message === '' ? '' : ` ${message}`}`);
    this.status = status;
  }
}
