/**
 * Chooses the backend for a repository URL and stacks the wrappers every backend gets:
 * a concurrency limit over retries (restic's order).
 */
import { parseS3Credentials, type S3Credentials } from './s3-credentials.ts';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import type { Backend } from './backend.ts';
import { parseKnownHosts } from './known-hosts.ts';
import { LimitedBackend } from './limit.ts';
import { LocalBackend } from './local.ts';
import { MemoryBackend } from './memory.ts';
import { DEFAULT_RETRY, RetryingBackend, type RetryPolicy } from './retry.ts';
import { DeferredBackend } from './deferred.ts';

export interface BackendSettings {
  readonly s3?: {
    readonly endpoint?: string | undefined;
    readonly region?: string | undefined;
    readonly forcePathStyle?: boolean | undefined;
    /** "ACCESS_KEY\nSECRET_KEY", or an AWS credentials file with aws_access_key_id / aws_secret_access_key. */
    readonly credentialsFile?: string | undefined;
  } | undefined;
  readonly sftp?: {
    readonly identityFile?: string | undefined;
    readonly knownHostsFile?: string | undefined;
  } | undefined;
  readonly connections?: number;
  readonly retry?: RetryPolicy;
}

const memoryBackends = new Map<string, MemoryBackend>();

export function openBackend(url: string, settings: BackendSettings = {}): Backend {
  const base = rawBackend(url, settings);
  return new LimitedBackend(new RetryingBackend(base, settings.retry ?? DEFAULT_RETRY), settings.connections ?? 4);
}

function rawBackend(url: string, settings: BackendSettings): Backend {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return new LocalBackend(resolve(url.replace(/^file:\/\//, '')));
  if (scheme === 'memory') {
    let backend = memoryBackends.get(url);
    if (backend === undefined) memoryBackends.set(url, (backend = new MemoryBackend()));
    return backend;
  }
  const parsed = new URL(url);
  if (scheme === 's3') return s3Backend(url, parsed, settings.s3 ?? {});
  if (scheme === 'sftp') return sftpBackend(url, parsed, settings.sftp ?? {});
  throw new UsageError(`repository ${url}: unknown scheme ${scheme}://`, { hint: 'use a local path, s3://bucket/prefix or sftp://user@host/path' });
}

function s3Backend(url: string, parsed: URL, s3: NonNullable<BackendSettings['s3']>): Backend {
  if (parsed.hostname === '') throw new UsageError(`repository ${url}: no bucket`, { hint: 'write s3://BUCKET/PREFIX' });
  const endpoint = s3.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const options = {
    bucket: parsed.hostname,
    prefix: decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, '')),
    region: s3.region ?? process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: s3.forcePathStyle ?? true,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(s3.credentialsFile === undefined ? {} : { credentials: readS3Credentials(s3.credentialsFile) }),
  };
  return new DeferredBackend(`s3://${options.bucket}/${options.prefix}`.replace(/\/$/, ''), async () => new (await import('./s3.ts')).S3Backend(options));
}

function readS3Credentials(file: string): S3Credentials {
  const parsed = parseS3Credentials(readSecret(file, 'S3 credentials file'));
  if (typeof parsed === 'string') throw new UsageError(`S3 credentials file ${file}: ${parsed}`, { hint: 'see docs/configuration.md, "Credentials files"' });
  return parsed;
}

function sftpBackend(url: string, parsed: URL, sftp: NonNullable<BackendSettings['sftp']>): Backend {
  const path = decodeURIComponent(parsed.pathname).replace(/\/+$/, '');
  if (parsed.hostname === '' || path === '') throw new UsageError(`repository ${url}: expected sftp://USER@HOST[:PORT]/ABSOLUTE/PATH`);
  const ssh = join(homedir(), '.ssh');
  const identityFile = sftp.identityFile ?? process.env.STRATA_SFTP_IDENTITY_FILE ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(ssh, f)).find((f) => existsSync(f));
  if (identityFile === undefined) throw new UsageError(`repository ${url}: no SSH identity`, { hint: 'set sftp.identityFile in strata.yaml or STRATA_SFTP_IDENTITY_FILE' });
  const knownHostsFile = sftp.knownHostsFile ?? process.env.STRATA_SFTP_KNOWN_HOSTS ?? join(ssh, 'known_hosts');
  const pinnedKeys = parseKnownHosts(readSecret(knownHostsFile, 'known hosts file'));
  const options = {
    host: parsed.hostname,
    port: parsed.port === '' ? 22 : Number(parsed.port),
    username: decodeURIComponent(parsed.username) || process.env.USER || 'root',
    path,
    privateKey: Buffer.from(readSecret(identityFile, 'SSH identity file')),
    pinnedKeys,
  };
  return new DeferredBackend(`sftp://${options.username}@${options.host}:${options.port}${options.path}`, async () => new (await import('./sftp.ts')).SftpBackend(options));
}

function readSecret(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${what} ${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}
