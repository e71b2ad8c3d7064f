/**
 * Opens the Kubernetes API the way kubectl does: an explicit --kubeconfig, else $KUBECONFIG,
 * else ~/.kube/config, else the in-cluster service account; --context picks a context.
 * Every failure becomes one OperationError that names the kubeconfig and the server.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { OperationError, UsageError } from '../core/errors.ts';

export interface ConnectionOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

export interface KubeConnection {
  readonly config: KubeConfig;
  /** Where the configuration came from, for messages: a file path or "in-cluster". */
  readonly source: string;
  readonly server: string;
}

export function connect(options: ConnectionOptions): KubeConnection {
  const config = new KubeConfig();
  const file = options.kubeconfig ?? process.env['KUBECONFIG']?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  let source = file;
  if (existsSync(file)) {
    try {
      config.loadFromFile(file);
    } catch (error) {
      throw new UsageError(`kubeconfig ${file}: cannot be read: ${(error as Error).message}`, {
        hint: 'pass a valid kubeconfig with --kubeconfig',
        cause: error,
      });
    }
  } else if (options.kubeconfig === undefined && process.env['KUBERNETES_SERVICE_HOST'] !== undefined) {
    config.loadFromCluster();
    source = 'in-cluster';
  } else {
    throw new UsageError(`kubeconfig ${file}: no such file`, {
      hint: 'pass the cluster with --kubeconfig PATH (and --context NAME), or set KUBECONFIG',
    });
  }
  if (options.context !== undefined) {
    if (config.getContextObject(options.context) === null) {
      const known = config.getContexts().map((c) => c.name);
      throw new UsageError(`--context ${options.context}: not in ${source} (contexts: ${known.join(', ') || 'none'})`);
    }
    config.setCurrentContext(options.context);
  }
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) {
    throw new UsageError(`kubeconfig ${source}: the current context names no cluster`, {
      hint: 'pick a context with --context',
    });
  }
  return { config, source, server };
}

/** Turns a client-node failure into one sentence: HTTP status and reason, or the network error. */
export function describeKubeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as { message?: string; reason?: string } | string | undefined;
    const detail = typeof body === 'object' && body !== null ? (body.message ?? body.reason) : undefined;
    return `HTTP ${error.code}${detail === undefined ? '' : `: ${detail}`}`;
  }
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
