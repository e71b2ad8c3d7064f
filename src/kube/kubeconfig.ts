/**
 * Reads a kubeconfig the way kubectl does, into what a request needs: the server, its CA,
 * and the client's credentials (client certificate, bearer token or token file, basic
 * auth, or an exec credential plugin such as kubelogin or aws-iam-authenticator, re-run
 * when its credential expires). Paths in the file are relative to the file. Our own
 * reader, not client-node's: that library loads its whole generated API (about 90 MB of
 * resident memory) just to read this file.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../core/errors.ts';
import { describeExit, runProgram } from '../programs/program.ts';

interface NamedCluster {
  name: string;
  cluster: {
    server?: string;
    'certificate-authority'?: string;
    'certificate-authority-data'?: string;
    'insecure-skip-tls-verify'?: boolean;
    'tls-server-name'?: string;
  };
}

interface ExecConfig {
  apiVersion?: string;
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  installHint?: string;
}

interface NamedUser {
  name: string;
  user: {
    'client-certificate'?: string;
    'client-certificate-data'?: string;
    'client-key'?: string;
    'client-key-data'?: string;
    token?: string;
    tokenFile?: string;
    username?: string;
    password?: string;
    exec?: ExecConfig;
    'auth-provider'?: { name: string };
  };
}

interface KubeconfigFile {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: { name: string; context: { cluster: string; user?: string; namespace?: string } }[];
  'current-context'?: string;
}

/** What each request presents: TLS material and an Authorization header. */
export interface Credentials {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly authorization?: string;
  readonly insecure: boolean;
  readonly servername?: string;
}

export interface ClusterAccess {
  readonly server: string;
  readonly contextNames: readonly string[];
  /** Credentials now: token files are read again, exec plugins run again once their credential expires. */
  credentials(): Promise<Credentials>;
}

export const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function inClusterAccess(): ClusterAccess {
  const host = process.env['KUBERNETES_SERVICE_HOST']!;
  const port = process.env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const ca = readFileSync(join(IN_CLUSTER_DIR, 'ca.crt'));
  return {
    server,
    contextNames: [],
    credentials: async () => ({ ca, authorization: `Bearer ${readFileSync(join(IN_CLUSTER_DIR, 'token'), 'utf8').trim()}`, insecure: false }),
  };
}

/** The cluster and user of `context` (default: the current context) in the kubeconfig `file`. */
export function kubeconfigAccess(file: string, context: string | undefined): ClusterAccess {
  let config: KubeconfigFile;
  try {
    config = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
  } catch (error) {
    throw new UsageError(`kubeconfig ${file}: cannot be read: ${(error as Error).message}`, { hint: 'pass a valid kubeconfig with --kubeconfig', cause: error });
  }
  const contextNames = (config.contexts ?? []).map((c) => c.name);
  const name = context ?? config['current-context'];
  if (name === undefined || name === '') throw new UsageError(`kubeconfig ${file}: no current context`, { hint: `pick one with --context (contexts: ${contextNames.join(', ') || 'none'})` });
  const chosen = config.contexts?.find((c) => c.name === name)?.context;
  if (chosen === undefined) throw new UsageError(`--context ${name}: not in ${file} (contexts: ${contextNames.join(', ') || 'none'})`);
  const cluster = config.clusters?.find((c) => c.name === chosen.cluster)?.cluster;
  if (cluster?.server === undefined) throw new UsageError(`kubeconfig ${file}: context ${name} names cluster ${chosen.cluster}, which has no server`, { hint: 'pick a context with --context' });
  const user = config.users?.find((u) => u.name === chosen.user)?.user ?? {};
  if (user['auth-provider'] !== undefined) {
    throw new UsageError(`kubeconfig ${file}: user ${chosen.user} uses the auth-provider ${user['auth-provider'].name}, which kubectl itself dropped in 1.26`, {
      hint: 'use an exec credential plugin (kubelogin, gke-gcloud-auth-plugin, aws eks get-token) in the kubeconfig',
    });
  }
  const base = dirname(file);
  const read = (path: string | undefined, data: string | undefined, what: string): Buffer | undefined => {
    if (data !== undefined) return Buffer.from(data, 'base64');
    if (path === undefined) return undefined;
    const resolved = isAbsolute(path) ? path : join(base, path);
    try {
      return readFileSync(resolved);
    } catch (error) {
      throw new UsageError(`kubeconfig ${file}: ${what} ${resolved} cannot be read: ${(error as Error).message}`, { cause: error });
    }
  };
  const fixed = {
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...optional('ca', read(cluster['certificate-authority'], cluster['certificate-authority-data'], 'certificate authority')),
    ...optional('servername', cluster['tls-server-name']),
    ...optional('cert', read(user['client-certificate'], user['client-certificate-data'], 'client certificate')),
    ...optional('key', read(user['client-key'], user['client-key-data'], 'client key')),
  };
  const exec = user.exec === undefined ? undefined : new ExecCredential(user.exec, file);
  return {
    server: cluster.server,
    contextNames,
    async credentials(): Promise<Credentials> {
      if (exec !== undefined) return { ...fixed, ...(await exec.get()) };
      if (user.token !== undefined) return { ...fixed, authorization: `Bearer ${user.token}` };
      if (user.tokenFile !== undefined) return { ...fixed, authorization: `Bearer ${read(user.tokenFile, undefined, 'token file')!.toString('utf8').trim()}` };
      if (user.username !== undefined) return { ...fixed, authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` };
      return fixed;
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A client.authentication.k8s.io ExecCredential plugin, cached until shortly before it expires. */
class ExecCredential {
  private readonly config: ExecConfig;
  private readonly file: string;
  private cached: { value: Partial<Credentials>; until: number } | undefined;

  constructor(config: ExecConfig, file: string) {
    this.config = config;
    this.file = file;
  }

  async get(): Promise<Partial<Credentials>> {
    if (this.cached !== undefined && Date.now() < this.cached.until) return this.cached.value;
    const apiVersion = this.config.apiVersion ?? 'client.authentication.k8s.io/v1';
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false } }) };
    for (const { name, value } of this.config.env ?? []) env[name] = value;
    const failed = (why: string, cause?: unknown) => new UsageError(`kubeconfig ${this.file}: the credential plugin ${this.config.command} failed: ${why}`, {
      hint: this.config.installHint?.trim() ?? 'check that the plugin is installed and logged in',
      cause,
    });
    let stdout: string;
    try {
      const finished = await runProgram(this.config.command, this.config.args ?? [], { env, timeoutMs: 60_000, cwd: dirname(this.file) });
      if (finished.code !== 0) throw failed(`${describeExit(finished)}: ${finished.stderr.trim().split('\n').at(-1) ?? ''}`);
      stdout = finished.stdout;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw failed((error as Error).message.split('\n')[0]!, error);
    }
    let status: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string };
    try {
      status = ((JSON.parse(stdout) as { status?: typeof status }).status) ?? {};
    } catch (error) {
      throw new UsageError(`kubeconfig ${this.file}: the credential plugin ${this.config.command} printed no ExecCredential JSON`, { cause: error });
    }
    const value: Partial<Credentials> = {
      ...optional('authorization', status.token === undefined ? undefined : `Bearer ${status.token}`),
      ...optional('cert', status.clientCertificateData === undefined ? undefined : Buffer.from(status.clientCertificateData)),
      ...optional('key', status.clientKeyData === undefined ? undefined : Buffer.from(status.clientKeyData)),
    };
    // Without an expiry the credential is used for the whole run, as kubectl does; with one, until a minute before.
    const expires = status.expirationTimestamp === undefined ? Number.POSITIVE_INFINITY : Date.parse(status.expirationTimestamp) - 60_000;
    this.cached = { value, until: expires };
    return value;
  }
}
