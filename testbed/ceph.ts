/**
 * A single-node Ceph (Debian's ceph-mon, ceph-mgr, ceph-osd) on 127.0.0.1, for the RBD
 * volume source: one monitor, one manager, one memstore OSD (no disk, ~3 GiB in memory),
 * an `rbd` pool of size 1, authentication off. Comes up in a few seconds.
 *
 * What makes it work here: messenger v2 on 127.0.0.1 only (no IPv6 in this sandbox: an
 * IPv6 socket fails with EAFNOSUPPORT and the OSD never comes up); per-daemon admin sockets
 * and logs (in [global] every `rbd` client would fight over one socket); client op timeouts,
 * so a full or broken cluster fails a command instead of hanging it.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureProgram } from './apt.ts';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.ts';

export interface CephState {
  readonly conf: string;
  readonly pool: string;
  readonly processes: readonly ManagedProcess[];
}

const PACKAGES = ['ceph-mon', 'ceph-mgr', 'ceph-osd', 'ceph-common'];

function program(name: string): string {
  return ensureProgram([`/usr/bin/${name}`], PACKAGES);
}

export async function startCeph(dir: string, deviceBytes = 3 * 1024 ** 3): Promise<CephState> {
  const root = join(dir, 'ceph');
  for (const sub of ['run', 'mon-a', 'mgr-x', 'osd-0']) mkdirSync(join(root, sub), { recursive: true, mode: 0o700 });
  const fsid = randomUUID();
  const port = await freePort();
  const conf = join(root, 'ceph.conf');
  writeFileSync(conf, `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${port}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
# A nearly full disk (a CI machine's) must not stop the test bed: memstore keeps data in memory.
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = ${deviceBytes}
rados osd op timeout = 60
rados mon op timeout = 60
client mount timeout = 60
run dir = ${join(root, 'run')}
[mon]
mon data = ${root}/mon-$id
log file = ${root}/$name.log
admin socket = ${root}/run/$name.asok
[mgr]
mgr data = ${root}/mgr-$id
log file = ${root}/$name.log
admin socket = ${root}/run/$name.asok
[osd]
osd data = ${root}/osd-$id
log file = ${root}/$name.log
admin socket = ${root}/run/$name.asok
[client]
log file = /dev/null
admin socket =
`, { mode: 0o600 });
  const run = (binary: string, args: readonly string[]) => execFileSync(program(binary), [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const c = ['-c', conf];
  run('ceph-authtool', ['--create-keyring', join(root, 'mon.keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
  run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${port}]`, '--fsid', fsid, join(root, 'monmap')]);
  run('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', join(root, 'monmap'), '--keyring', join(root, 'mon.keyring'), ...c]);
  const processes: ManagedProcess[] = [];
  processes.push(startProcess('ceph-mon', program('ceph-mon'), ['-f', '-i', 'a', ...c], join(root, 'mon.out')));
  processes.push(startProcess('ceph-mgr', program('ceph-mgr'), ['-f', '-i', 'x', ...c], join(root, 'mgr.out')));
  const osdUuid = randomUUID();
  const osd = run('ceph', [...c, 'osd', 'new', osdUuid]).trim();
  run('ceph-osd', ['-i', osd, '--mkfs', '--osd-uuid', osdUuid, ...c]);
  processes.push(startProcess('ceph-osd', program('ceph-osd'), ['-f', '-i', osd, ...c], join(root, 'osd.out')));
  const pool = 'rbd';
  run('ceph', [...c, 'osd', 'pool', 'create', pool, '8', '8']);
  run('ceph', [...c, 'osd', 'pool', 'set', pool, 'size', '1', '--yes-i-really-mean-it']);
  run('rbd', [...c, 'pool', 'init', pool]);
  await waitFor('ceph placement groups active+clean', async () => {
    const status = JSON.parse(run('ceph', [...c, 'pg', 'stat', '--format', 'json'])) as { pg_summary?: { num_pg_by_state?: { name: string; num: number }[]; num_pgs?: number } };
    const states = status.pg_summary?.num_pg_by_state ?? [];
    return states.length > 0 && states.every((s) => s.name === 'active+clean');
  }, 120_000, processes[2]);
  return { conf, pool, processes };
}
