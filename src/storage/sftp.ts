/**
 * SFTP (OpenSSH) storage. The server's host key must match a pinned key, or nothing is
 * sent. Objects are written to a temporary name, fsynced and renamed into place with the
 * OpenSSH extensions, so a crash never leaves a torn object.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { Client, type SFTPWrapper, type Stats } from 'ssh2';
import type { Backend, ObjectInfo } from './backend.ts';
import { isPinned, type PinnedKey } from './known-hosts.ts';

export interface SftpOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** Absolute path of the repository on the server. */
  readonly path: string;
  readonly privateKey: Buffer;
  readonly pinnedKeys: readonly PinnedKey[];
  readonly readyTimeoutMs?: number;
}

const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

interface SftpError extends Error {
  code?: number | string;
}

function call<T>(run: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));
}

export class SftpBackend implements Backend {
  readonly location: string;
  private readonly options: SftpOptions;
  private session: Promise<{ client: Client; sftp: SFTPWrapper }> | undefined;
  private readonly madeDirs = new Set<string>();

  constructor(options: SftpOptions) {
    this.options = options;
    this.location = `sftp://${options.username}@${options.host}:${options.port}${options.path}`;
  }

  async save(key: string, data: Uint8Array): Promise<void> {
    const sftp = await this.sftp();
    const path = this.path(key);
    await this.mkdirs(sftp, posix.dirname(path));
    const temporary = `${posix.dirname(path)}/.tmp-${randomBytes(8).toString('hex')}`;
    const handle = await call<Buffer>((done) => sftp.open(temporary, 'wx', { mode: 0o600 }, done));
    try {
      if (data.length > 0) await call<void>((done) => sftp.write(handle, Buffer.from(data.buffer, data.byteOffset, data.length), 0, data.length, 0, done));
      await call<void>((done) => sftp.ext_openssh_fsync(handle, done));
    } finally {
      await call<void>((done) => sftp.close(handle, done));
    }
    await call<void>((done) => sftp.ext_openssh_rename(temporary, path, done));
  }

  async load(key: string, offset = 0, length?: number): Promise<Uint8Array> {
    const sftp = await this.sftp();
    const handle = await call<Buffer>((done) => sftp.open(this.path(key), 'r', done));
    try {
      const size = length ?? (await call<Stats>((done) => sftp.fstat(handle, done))).size - offset;
      const buffer = Buffer.alloc(size);
      let read = 0;
      while (read < size) {
        const n = await call<number>((done) => sftp.read(handle, buffer, read, size - read, offset + read, (error, bytes) => done(error, bytes)));
        if (n === 0) throw new Error(`${key}: short read (${read} of ${size} bytes at ${offset})`);
        read += n;
      }
      return buffer;
    } finally {
      await call<void>((done) => sftp.close(handle, done));
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    const sftp = await this.sftp();
    const stats = await call<Stats>((done) => sftp.stat(this.path(key), done));
    return { key, size: stats.size };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const sftp = await this.sftp();
    const start = this.path(prefix);
    const pending = [start.endsWith('/') ? start.slice(0, -1) : posix.dirname(start)];
    while (pending.length > 0) {
      const dir = pending.pop()!;
      let entries;
      try {
        entries = await call<{ filename: string; attrs: Stats }[]>((done) => sftp.readdir(dir, done));
      } catch (error) {
        if (this.isNotFound(error)) continue;
        throw error;
      }
      for (const entry of entries) {
        const full = `${dir}/${entry.filename}`;
        if (entry.attrs.isDirectory()) pending.push(full);
        else if (entry.attrs.isFile() && !entry.filename.startsWith('.tmp-')) {
          const key = full.slice(this.options.path.length + 1);
          if (key.startsWith(prefix)) yield { key, size: entry.attrs.size };
        }
      }
    }
  }

  async remove(key: string): Promise<void> {
    const sftp = await this.sftp();
    await call<void>((done) => sftp.unlink(this.path(key), done));
  }

  isNotFound(error: unknown): boolean {
    return (error as SftpError | undefined)?.code === NO_SUCH_FILE;
  }

  isPermanent(error: unknown): boolean {
    const code = (error as SftpError | undefined)?.code;
    const level = (error as { level?: string } | undefined)?.level;
    // A host key that does not match, or a refused login, will not get better by retrying.
    return code === NO_SUCH_FILE || code === PERMISSION_DENIED || level === 'client-authentication' || level === 'handshake';
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) (await session.catch(() => undefined))?.client.end();
  }

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..')) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
    return `${this.options.path}/${key}`;
  }

  private async mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
    if (this.madeDirs.has(dir) || dir === '/' || dir === '.') return;
    try {
      await call<void>((done) => sftp.mkdir(dir, { mode: 0o700 }, done));
    } catch (error) {
      try {
        await call<Stats>((done) => sftp.stat(dir, done));
      } catch {
        await this.mkdirs(sftp, posix.dirname(dir));
        await call<void>((done) => sftp.mkdir(dir, { mode: 0o700 }, done)).catch(() => {
          throw error;
        });
      }
    }
    this.madeDirs.add(dir);
  }

  private sftp(): Promise<SFTPWrapper> {
    this.session ??= this.connect();
    const session = this.session;
    return session.then((s) => s.sftp).catch((error: unknown) => {
      if (this.session === session) this.session = undefined;
      throw error;
    });
  }

  private connect(): Promise<{ client: Client; sftp: SFTPWrapper }> {
    const { host, port, username, privateKey, pinnedKeys } = this.options;
    return new Promise((resolve, reject) => {
      const client = new Client();
      let hostKeyRejected = false;
      client.once('ready', () => {
        // Many small request/response round trips: Nagle's delay would dominate them.
        client.setNoDelay(true);
        client.sftp((error, sftp) => (error ? reject(error) : resolve({ client, sftp })));
      });
      client.once('error', (error) => {
        if (hostKeyRejected) {
          const mismatch = new Error(`${host}:${port} presented a host key that is not pinned; refusing to connect (check knownHostsFile)`) as SftpError;
          Object.assign(mismatch, { level: 'handshake' });
          reject(mismatch);
        } else reject(error);
      });
      client.on('close', () => {
        if (this.session !== undefined) this.session = undefined;
      });
      client.connect({
        host,
        port,
        username,
        privateKey,
        readyTimeout: this.options.readyTimeoutMs ?? 10_000,
        hostVerifier: (key: Buffer) => {
          hostKeyRejected = !isPinned(pinnedKeys, host, port, key);
          return !hostKeyRejected;
        },
      });
    });
  }
}
