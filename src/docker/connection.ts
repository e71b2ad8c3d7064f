/**
 * Where a Docker Engine answers: its unix socket (the default, /var/run/docker.sock) or
 * tcp://HOST:PORT with TLS client certificates, as the docker CLI's DOCKER_HOST and
 * --tlscacert/--tlscert/--tlskey name them.
 */
import { UsageError } from '../core/errors.ts';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface DockerTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface DockerEndpoint {
  /** unix:///path or tcp://host:port, as given. */
  readonly host: string;
  /** Which flag, field or variable named the host, for errors. */
  readonly field: string;
  readonly tls?: DockerTls;
}

export type DockerAddress = { readonly socketPath: string } | { readonly hostname: string; readonly port: number };

/** The socket path, or host and port, of an endpoint; `field` names the setting in the error. */
export function dockerAddress(endpoint: DockerEndpoint): DockerAddress {
  const { host, field } = endpoint;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new UsageError(`${field} ${host}: expected unix:///absolute/path/docker.sock`);
    return { socketPath };
  }
  const m = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(host);
  if (m === null || Number(m[2]) === 0 || Number(m[2]) > 65535) {
    throw new UsageError(`${field} ${host}: expected unix:///var/run/docker.sock or tcp://HOST:PORT`, { hint: 'the same value DOCKER_HOST takes' });
  }
  if (endpoint.tls === undefined) {
    throw new UsageError(`${field} ${host}: a TCP engine needs TLS client certificates`, { hint: 'give the CA, certificate and key (the engine\'s --tlsverify setup); plain TCP exposes root on the host' });
  }
  return { hostname: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}
