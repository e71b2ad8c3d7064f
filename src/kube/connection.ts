/**
 * Finds the cluster the way kubectl does: an explicit --kubeconfig, else $KUBECONFIG, else
 * ~/.kube/config, else the in-cluster service account; --context picks a context. Every
 * failure becomes one error that names the kubeconfig and the server.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OperationError, UsageError } from '../core/errors.ts';
import { KubeApiError } from './errors.ts';
import { inClusterAccess, kubeconfigAccess, type Credentials } from './kubeconfig.ts';

export interface ConnectionOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

export interface KubeConnection {
  /** Where the configuration came from, for messages: a file path or "in-cluster". */
  readonly source: string;
  readonly server: string;
  credentials(): Promise<Credentials>;
}

export async function connect(options: ConnectionOptions): Promise<KubeConnection> {
  const file = options.kubeconfig ?? process.env['KUBECONFIG']?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  if (existsSync(file)) {
    const access = kubeconfigAccess(file, options.context);
    return { source: file, server: access.server, credentials: () => access.credentials() };
  }
  if (options.kubeconfig === undefined && process.env['KUBERNETES_SERVICE_HOST'] !== undefined) {
    if (options.context !== undefined) throw new UsageError(`--context ${options.context}: there is no kubeconfig in a pod, only its service account`);
    const access = inClusterAccess();
    return { source: 'in-cluster', server: access.server, credentials: () => access.credentials() };
  }
  throw new UsageError(`kubeconfig ${file}: no such file`, {
    hint: 'pass the cluster with --kubeconfig PATH (and --context NAME), or set KUBECONFIG',
  });
}

/** Turns a failed request into one sentence: HTTP status and reason, or the network error. */
export function describeKubeError(error: unknown): string {
  if (error instanceof KubeApiError) return `HTTP ${error.status}${error.reason === '' ? '' : ` ${error.reason}`}: ${error.message}`;
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = (cause as { code?: string } | undefined)?.code ?? (error as { code?: string }).code;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND') return 'host not found';
    if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'connection timed out';
    if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS: ${code}`;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

export function unreachable(connection: KubeConnection, error: unknown): OperationError {
  return new OperationError(`cluster ${connection.server} (from ${connection.source}): ${describeKubeError(error)}`, {
    hint: 'check that the API server is running and that --kubeconfig/--context point at it',
    cause: error,
  });
}
