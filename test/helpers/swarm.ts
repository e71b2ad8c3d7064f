/**
 * A swarm test bed per test file (three real managers, started in beforeAll, stopped by
 * PID in afterAll), the objects a test puts in it, and the swarm read back in a form that
 * compares across swarms: IDs replaced by names, server-set fields left out.
 */
import { afterAll, beforeAll } from 'vitest';
import { docker, downSwarm, upSwarm, type SwarmBed, type SwarmManager } from '../../testbed/swarm.ts';

export function useSwarm(name: string, managers = 3): () => SwarmBed {
  let bed: SwarmBed | undefined;
  beforeAll(async () => {
    bed = await upSwarm(name, managers);
  }, 300_000);
  afterAll(async () => {
    if (process.env['STRATA_TESTBED_KEEP'] !== '1') await downSwarm(name);
  }, 120_000);
  return () => {
    if (bed === undefined) throw new Error('useSwarm: the swarm is not up (call it at the top of a describe block)');
    return bed;
  };
}

/** A small stack: an overlay network (on its own /24, 10.SUBNET.0.0), a config, a secret, two services (one in a stack), a node label. */
export function makeStack(manager: SwarmManager, prefix: string, secret: string, subnet: number): void {
  docker(manager, ['network', 'create', '-d', 'overlay', '--attachable', '--label', 'tier=front', '--subnet', `10.${subnet}.0.0/24`, `${prefix}-net`]);
  docker(manager, ['config', 'create', '--label', 'app=shop', `${prefix}-conf`, '-'], 'listen 8080\n');
  docker(manager, ['secret', 'create', '--label', 'app=shop', `${prefix}-secret`, '-'], secret);
  // --no-resolve-image: nothing is pulled; the tasks are rejected (no image), the specs stay.
  docker(manager, ['service', 'create', '-d', '--no-resolve-image', '--name', `${prefix}_web`, '--replicas', '2', '--network', `${prefix}-net`,
    '--config', `source=${prefix}-conf,target=/etc/app.conf`, '--secret', `${prefix}-secret`, '--label', `com.docker.stack.namespace=${prefix}`,
    '--env', 'MODE=production', '--constraint', 'node.role==manager', '--restart-condition', 'none', 'strata/none:1']);
  docker(manager, ['service', 'create', '-d', '--no-resolve-image', '--name', `${prefix}-worker`, '--mode', 'global', '--restart-condition', 'none', 'strata/none:2']);
  updateNode(manager, ['--label-add', `${prefix}-zone=a`, nodeIdAt(manager, manager.address)]);
}

/** Removes what makeStack made, the node label included. */
export function removeStack(manager: SwarmManager, prefix: string): void {
  for (const id of docker(manager, ['node', 'ls', '-q']).trim().split('\n')) {
    if (docker(manager, ['node', 'inspect', id, '--format', '{{json .Spec.Labels}}']).includes(`"${prefix}-zone"`)) updateNode(manager, ['--label-rm', `${prefix}-zone`, id]);
  }
  const present = (kind: string, name: string) => docker(manager, [kind, 'ls', '--format', '{{.Name}}']).split('\n').includes(name);
  for (const service of [`${prefix}_web`, `${prefix}-worker`]) if (present('service', service)) docker(manager, ['service', 'rm', service]);
  if (present('config', `${prefix}-conf`)) docker(manager, ['config', 'rm', `${prefix}-conf`]);
  if (present('secret', `${prefix}-secret`)) docker(manager, ['secret', 'rm', `${prefix}-secret`]);
  // A network is in use until the service's tasks are gone: retry for a while.
  for (let attempt = 0; attempt < 50 && present('network', `${prefix}-net`); attempt++) {
    try {
      docker(manager, ['network', 'rm', `${prefix}-net`]);
    } catch {
      execSleep(200);
    }
  }
}

/**
 * `docker node update`, again when the engine answers "update out of sequence": the CLI reads
 * the node and posts its version, and a status change in between (a manager that restarted in
 * an earlier test reporting in) makes that version stale.
 */
function updateNode(manager: SwarmManager, args: readonly string[]): void {
  for (let attempt = 1; ; attempt++) {
    try {
      docker(manager, ['node', 'update', ...args]);
      return;
    } catch (error) {
      if (attempt >= 10 || !String(error).includes('update out of sequence')) throw error;
      execSleep(200);
    }
  }
}

function execSleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function nodeIdAt(manager: SwarmManager, address: string): string {
  const ids = docker(manager, ['node', 'ls', '-q']).trim().split('\n');
  const found = ids.find((id) => docker(manager, ['node', 'inspect', id, '--format', '{{.ManagerStatus.Addr}}']).trim() === `${address}:2377`);
  if (found === undefined) throw new Error(`no node at ${address}`);
  return found;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the engine's JSON, compared field by field below
const inspect = (manager: SwarmManager, kind: string, names: readonly string[]) => (names.length === 0 ? [] : JSON.parse(docker(manager, [kind, 'inspect', ...names])) as Record<string, any>[]);

/** The swarm's objects of one prefix, comparable across swarms and restores. */
export function readStack(manager: SwarmManager, prefix: string): unknown {
  const names = (kind: string) => docker(manager, [kind, 'ls', '--format', '{{.Name}}']).split('\n').filter((n) => n.startsWith(prefix)).sort();
  const networkNames = new Map(inspect(manager, 'network', names('network')).map((n) => [n['Id'] as string, n['Name'] as string]));
  const services = inspect(manager, 'service', names('service')).map((s) => {
    const spec = structuredClone(s['Spec']);
    const container = spec.TaskTemplate.ContainerSpec;
    for (const secret of container.Secrets ?? []) delete secret.SecretID;
    for (const config of container.Configs ?? []) delete config.ConfigID;
    for (const network of spec.TaskTemplate.Networks ?? []) network.Target = networkNames.get(network.Target) ?? network.Target;
    return spec;
  });
  return {
    networks: inspect(manager, 'network', names('network')).map((n) => ({ name: n['Name'], driver: n['Driver'], attachable: n['Attachable'], labels: n['Labels'], subnets: (n['IPAM'].Config ?? []).map((c: { Subnet: string }) => c.Subnet) })),
    configs: inspect(manager, 'config', names('config')).map((c) => ({ spec: c['Spec'] })),
    secrets: inspect(manager, 'secret', names('secret')).map((c) => ({ spec: c['Spec'] })),
    services,
    labels: docker(manager, ['node', 'ls', '-q']).trim().split('\n').map((id) => JSON.parse(docker(manager, ['node', 'inspect', id, '--format', '{{json .Spec.Labels}}'])) as Record<string, string>)
      .flatMap((labels) => Object.entries(labels ?? {}).filter(([k]) => k.startsWith(prefix))).sort(),
  };
}

/** Whether this manager's engine is the raft leader now. */
export function isLeader(manager: SwarmManager): boolean {
  return docker(manager, ['node', 'inspect', 'self', '--format', '{{.ManagerStatus.Leader}}']).trim() === 'true';
}

/** `strata backup --swarm` flags for a copy of this manager's raft state. */
export function raftArgs(manager: SwarmManager, mode: 'cold' | 'hot'): string[] {
  return ['--swarm', '--swarm-mode', mode, '--docker-host', manager.host, '--docker-data-root', manager.dataRoot, '--engine-stop', manager.stopCommand.join(' '), '--engine-start', manager.startCommand.join(' '), '--rejoin-timeout', '2m'];
}
