/**
 * A vendor's tool run in its container the way its documentation runs it (`docker container
 * run --rm -i --log-driver none … IMAGE COMMAND…`), its standard output being the backup.
 * Secrets reach the container as `--env NAME` with the value in the docker client's own
 * environment: in no argument list that `ps` shows, and not in the container's logs.
 */
import { startProgram, type RunningProgram } from '../programs/program.ts';
import { dockerAddress, type DockerEndpoint } from './connection.ts';

export interface ToolContainer {
  readonly endpoint: DockerEndpoint;
  readonly image: string;
  readonly args: readonly string[];
  /** Secret or plain variables for the container, by name; their values never reach an argument list. */
  readonly env?: Readonly<Record<string, string>>;
  /** Give the container the engine's socket at /var/run/docker.sock (the MKE tool drives the engine). */
  readonly engineSocket?: boolean;
  /** docker run --network (the engine's default when unset). */
  readonly network?: string;
  /** Feed the container's standard input (restores). */
  readonly stdin?: boolean;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** The docker CLI's arguments for the run (no secret among them). */
export function toolArguments(tool: ToolContainer): string[] {
  const address = dockerAddress(tool.endpoint);
  const socket = 'socketPath' in address ? address.socketPath : '/var/run/docker.sock';
  const tls = tool.endpoint.tls === undefined ? [] : ['--tlsverify', '--tlscacert', tool.endpoint.tls.ca, '--tlscert', tool.endpoint.tls.cert, '--tlskey', tool.endpoint.tls.key];
  return [
    '--host', tool.endpoint.host, ...tls,
    'container', 'run', '--rm', '-i', '--log-driver', 'none',
    ...(tool.network === undefined ? [] : ['--network', tool.network]),
    ...(tool.engineSocket === true ? ['--volume', `${socket}:/var/run/docker.sock`] : []),
    ...Object.keys(tool.env ?? {}).flatMap((name) => ['--env', name]),
    tool.image, ...tool.args,
  ];
}

export function runToolContainer(tool: ToolContainer): RunningProgram {
  // Strata's own secrets are not the tool's business; the container sees only the names given.
  const env: NodeJS.ProcessEnv = { ...process.env, ...tool.env };
  delete env['STRATA_PASSWORD'];
  return startProgram('docker', toolArguments(tool), {
    timeoutMs: tool.timeoutMs, env, stdin: tool.stdin === true ? 'pipe' : 'ignore', ...(tool.signal !== undefined && { signal: tool.signal }),
  });
}
