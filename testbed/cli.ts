/**
 * testbed up|down|status — runs the test bed by hand (tests use testbed.ts directly).
 *
 *   node testbed/cli.ts up [--name N] [--etcd-members 1|3] [--nodes N] [--minio] [--docker] [--ceph] [--csi]
 *   node testbed/cli.ts down [--name N]
 *   node testbed/cli.ts status [--name N]
 *   node testbed/cli.ts swarm-up [--name N] [--managers 3]   three Docker Engine managers in one swarm
 *   node testbed/cli.ts swarm-down [--name N]
 */
import { parseArgs } from 'node:util';
import { isRunning } from './processes.ts';
import { readState } from './state.ts';
import { downSwarm, engineRunning, upSwarm } from './swarm.ts';
import { addCeph, addCsi, addDocker, addMinio, down, up } from './testbed.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string', default: 'default' },
    second: { type: 'boolean', default: false },
    'etcd-members': { type: 'string', default: '1' },
    nodes: { type: 'string', default: '3' },
    minio: { type: 'boolean', default: false },
    docker: { type: 'boolean', default: false },
    ceph: { type: 'boolean', default: false },
    csi: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    managers: { type: 'string', default: '3' },
  },
});
// `--second` is an independent control plane beside the first, for migration tests.
const name = values.second ? 'second' : values.name;
const command = positionals[0] ?? 'status';

async function main(): Promise<number> {
  switch (command) {
    case 'up': {
      const members = Number(values['etcd-members']);
      if (members !== 1 && members !== 3) throw new Error('--etcd-members: expected 1 or 3');
      let state = await up({ name, etcdMembers: members, nodes: Number(values.nodes) });
      if (values.minio) state = await addMinio(state);
      if (values.docker) state = await addDocker(state);
      if (values.ceph) state = await addCeph(state);
      if (values.csi) state = await addCsi(state);
      print(state);
      return 0;
    }
    case 'down':
      console.log((await down(name)) ? `test bed ${name}: stopped` : `test bed ${name}: not running`);
      return 0;
    case 'swarm-up': {
      const bed = await upSwarm(name, Number(values.managers));
      if (values.json) console.log(JSON.stringify(bed, null, 2));
      else {
        console.log(`swarm test bed ${bed.name} in ${bed.dir}`);
        for (const m of bed.managers) console.log(`  ${m.name}  ${m.address}:2377  DOCKER_HOST=${m.host}  ${engineRunning(bed, m) ? 'running' : 'STOPPED'}  stop: ${m.stopCommand.join(' ')}  start: ${m.startCommand.join(' ')}`);
      }
      return 0;
    }
    case 'swarm-down':
      console.log((await downSwarm(name)) ? `swarm test bed ${name}: stopped` : `swarm test bed ${name}: not running`);
      return 0;
    case 'status': {
      const state = readState(name);
      if (state === undefined) {
        console.log(`test bed ${name}: not running`);
        return 1;
      }
      print(state);
      return state.processes.every(isRunning) ? 0 : 1;
    }
    default:
      console.error(`unknown command ${command}; expected up, down, status, swarm-up or swarm-down`);
      return 2;
  }
}

function print(state: NonNullable<ReturnType<typeof readState>>): void {
  if (values.json) {
    console.log(JSON.stringify(state, null, 2));
    return;
  }
  console.log(`test bed ${state.name} in ${state.dir}`);
  console.log(`  kubeconfig     ${state.kubeconfig}`);
  console.log(`  api server     ${state.server}`);
  console.log(`  etcd           ${state.etcd.endpoints.join(',')}${state.etcd.tls ? ` (TLS: ca ${state.etcd.tls.ca}, cert ${state.etcd.tls.cert}, key ${state.etcd.tls.key})` : ''}`);
  if (state.minio) console.log(`  minio          ${state.minio.endpoint} (access key ${state.minio.accessKey}, secret in ${state.minio.secretKeyFile})`);
  if (state.docker) console.log(`  docker         ${state.docker.host}`);
  if (state.ceph) console.log(`  ceph           rbd -c ${state.ceph.conf} (pool ${state.ceph.pool})`);
  if (state.csi) console.log(`  csi            driver ${state.csi.driver}, StorageClass and VolumeSnapshotClass ${state.csi.storageClass}`);
  for (const p of state.processes) console.log(`  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${isRunning(p) ? 'running' : 'STOPPED'}  log ${p.log}`);
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`testbed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
