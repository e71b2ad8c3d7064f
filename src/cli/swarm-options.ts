/**
 * The Docker Engine flags, in the docker CLI's spelling: `--docker-host` (DOCKER_HOST) and,
 * for tcp://, the TLS client files; `backup --swarm` as the swarm source's entry,
 * `restore --swarm` as its objects' restore and `swarm restore` as its raft restore.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { Duration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import { DEFAULT_DOCKER_HOST, type DockerEndpoint } from '../docker/connection.ts';
import { DockerEngine } from '../docker/http.ts';
import type { RestoreSelection } from '../engine/restore.ts';
import type { NamedEntry } from '../engine/sources.ts';
import { swarmEntry, type SwarmEntry } from '../sources/swarm/entry.ts';
import type { ExistingPolicy, SwarmRestoreOptions } from '../sources/swarm/restore.ts';
import { fromFlags } from './source-field.ts';

export interface DockerFlags {
  readonly dockerHost: string;
  readonly dockerTlscacert?: string;
  readonly dockerTlscert?: string;
  readonly dockerTlskey?: string;
}

export function addDockerOptions(command: Command): Command {
  return command
    .addOption(new Option('--docker-host <url>', 'a swarm manager\'s Docker Engine: unix:///var/run/docker.sock or tcp://HOST:2376 with the --docker-tls* files').env('DOCKER_HOST').default(DEFAULT_DOCKER_HOST))
    .option('--docker-tlscacert <file>', 'with tcp://: the CA that signed the engine\'s certificate')
    .option('--docker-tlscert <file>', 'with tcp://: this client\'s certificate')
    .option('--docker-tlskey <file>', 'with tcp://: this client\'s key');
}

function tlsOf(flags: DockerFlags): SwarmEntry['tls'] {
  const given = [flags.dockerTlscacert, flags.dockerTlscert, flags.dockerTlskey];
  if (given.every((f) => f === undefined)) return undefined;
  if (given.some((f) => f === undefined)) throw new UsageError('--docker-tlscacert, --docker-tlscert and --docker-tlskey go together: give all three');
  return { ca: flags.dockerTlscacert!, cert: flags.dockerTlscert!, key: flags.dockerTlskey! };
}

export function dockerEndpoint(flags: DockerFlags): DockerEndpoint {
  const tls = tlsOf(flags);
  return { host: flags.dockerHost, field: '--docker-host', ...(tls !== undefined && { tls }) };
}

export interface SwarmBackupFlags extends DockerFlags {
  readonly swarm: boolean;
  readonly swarmMode: 'cold' | 'hot' | 'export';
  readonly swarmOnRefusal: 'refuse' | 'hot';
  readonly dockerDataRoot: string;
  readonly engineStop: string;
  readonly engineStart: string;
  readonly engineTimeout: string;
  readonly rejoinTimeout: string;
}

/** Where this manager's engine keeps its state, and how to stop and start it. */
function addEngineControlOptions(command: Command, when: string): Command {
  return command
    .option('--docker-data-root <dir>', `${when}the engine's --data-root`, '/var/lib/docker')
    .option('--engine-stop <command>', `${when}how to stop the engine (run without a shell, split at spaces)`, 'systemctl stop docker')
    .option('--engine-start <command>', `${when}how to start it again`, 'systemctl start docker')
    .option('--engine-timeout <duration>', `${when}how long each of those may run`, '2m');
}

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');

export function addSwarmBackupOptions(command: Command): Command {
  return addEngineControlOptions(addDockerOptions(command), 'with --swarm (below --host-root for the data root): ')
    .addOption(new Option('--swarm-mode <mode>', 'with --swarm: cold (stop this follower manager\'s engine, copy DATA_ROOT/swarm, start it), hot (copy while it runs) or export (the logical export alone)').choices(['cold', 'hot', 'export']).default('cold'))
    .addOption(new Option('--swarm-on-refusal <what>', 'with --swarm-mode cold: when a cold copy is not safe (leader, quorum), refuse (exit 4) or take a hot copy').choices(['refuse', 'hot']).default('refuse'))
    .option('--rejoin-timeout <duration>', 'with --swarm-mode cold: how long to wait for the node to be back as a reachable manager', '5m');
}

export function swarmEntryOf(flags: SwarmBackupFlags): NamedEntry | undefined {
  if (!flags.swarm) return undefined;
  const tls = tlsOf(flags);
  const entry: SwarmEntry = {
    type: 'swarm', host: flags.dockerHost, ...(tls !== undefined && { tls }),
    mode: flags.swarmMode, onRefusal: flags.swarmOnRefusal, dataRoot: flags.dockerDataRoot,
    stopCommand: words(flags.engineStop), startCommand: words(flags.engineStart),
    commandTimeout: flags.engineTimeout, rejoinTimeout: flags.rejoinTimeout,
  };
  const checked = swarmEntry.safeParse(entry);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new UsageError(`--swarm: ${String(issue.path[0] ?? '')} ${issue.message}`, { hint: 'see strata backup --help' });
  }
  return fromFlags(checked.data, '--swarm', { host: '--docker-host', dataRoot: '--docker-data-root', stopCommand: '--engine-stop', startCommand: '--engine-start', commandTimeout: '--engine-timeout', rejoinTimeout: '--rejoin-timeout' });
}

/** `restore --swarm` into the --docker-host swarm; the engine's connection is closed with the restore. */
export function swarmSelection(flags: DockerFlags & { readonly existing: string; readonly secretValues?: string }): RestoreSelection & { close(): void } {
  if (!['skip', 'update', 'fail'].includes(flags.existing)) throw new UsageError(`--existing ${flags.existing}: expected skip, update or fail`);
  const engine = new DockerEngine(dockerEndpoint(flags));
  const options: SwarmRestoreOptions = { kind: 'objects', engine, existing: flags.existing as ExistingPolicy, ...(flags.secretValues !== undefined && { secretValues: flags.secretValues }) };
  return { type: 'swarm', options, close: () => engine.close() };
}

export interface RaftRestoreFlags extends DockerFlags {
  readonly dockerDataRoot: string;
  readonly engineStop: string;
  readonly engineStart: string;
  readonly engineTimeout: string;
  readonly readyTimeout: string;
  readonly listenAddr: string;
  readonly advertiseAddr?: string;
  readonly otherAddress: boolean;
  readonly replaceActiveSwarm: boolean;
}

export function addRaftRestoreOptions(command: Command): Command {
  return addEngineControlOptions(addDockerOptions(command), '')
    .option('--ready-timeout <duration>', 'how long to wait for the engine to answer after the start, and then for this node to lead', '5m')
    .option('--listen-addr <addr>', 'the swarm listen address (docker swarm init --listen-addr)', '0.0.0.0:2377')
    .option('--advertise-addr <addr>', 'the address to advertise (default: the one the copy was taken at)')
    .option('--other-address', 'go ahead although this machine is not at the copy\'s address (see the runbook: managers joining later may lose quorum)', false)
    .option('--replace-active-swarm', 'replace the raft state of an engine that is an active swarm member now (a rollback of a working swarm)', false);
}

/** `strata swarm restore` as the swarm source's raft restore; the engine's connection is closed with the restore. */
export function raftRestoreSelection(flags: RaftRestoreFlags): RestoreSelection & { close(): void } {
  for (const [flag, value] of [['--engine-timeout', flags.engineTimeout], ['--ready-timeout', flags.readyTimeout]] as const) {
    if (Duration.parse(value) === undefined) throw new UsageError(`${flag} ${value}: expected a duration such as 90s, 2m or 1h`);
  }
  const dataRoot = resolve(flags.dockerDataRoot);
  const stopCommand = words(flags.engineStop);
  const startCommand = words(flags.engineStart);
  if (stopCommand.length === 0 || startCommand.length === 0) throw new UsageError('--engine-stop and --engine-start: give a command each, e.g. "systemctl stop docker"');
  const engine = new DockerEngine(dockerEndpoint(flags));
  const options: SwarmRestoreOptions = {
    kind: 'raft', engine, dataRoot, stopCommand, startCommand, commandTimeout: flags.engineTimeout, readyTimeout: flags.readyTimeout,
    listenAddr: flags.listenAddr, ...(flags.advertiseAddr !== undefined && { advertiseAddr: flags.advertiseAddr }),
    otherAddress: flags.otherAddress, replaceActive: flags.replaceActiveSwarm,
  };
  return { type: 'swarm', options, close: () => engine.close() };
}
