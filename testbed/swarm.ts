/**
 * A Docker Swarm of real Docker Engines (Debian's docker.io) on one machine: manager i
 * advertises 127.0.0.i:2377 and has its own socket, data root, exec root and pidfile under
 * the test bed folder, so no system Docker is touched. Each manager also gets the two
 * scripts a plan's stop and start commands call (`systemctl stop docker` on a real host):
 * they stop the engine by its pidfile and start it again with the same flags.
 *
 * Facts this relies on: dockerd runs here with --iptables=false --bridge=none and the vfs
 * storage driver; service tasks are rejected (no image is pulled, no IPVS), so tests check
 * specs and placement, not traffic.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureProgram } from './apt.ts';
import { isRunning, stopProcess, tail, waitFor, type ManagedProcess } from './processes.ts';
import { testbedDir } from './state.ts';

export interface SwarmManager {
  readonly name: string;
  /** 127.0.0.N, the advertise and listen address (port 2377). */
  readonly address: string;
  /** unix:///…/docker.sock */
  readonly host: string;
  readonly dataRoot: string;
  readonly pidfile: string;
  readonly log: string;
  /** Argument arrays a plan's stopCommand/startCommand take. */
  readonly stopCommand: readonly string[];
  readonly startCommand: readonly string[];
}

export interface SwarmBed {
  readonly name: string;
  readonly dir: string;
  readonly dockerd: string;
  readonly managers: readonly SwarmManager[];
}

export function dockerdBinary(): string {
  return ensureProgram(['/usr/sbin/dockerd', '/usr/bin/dockerd'], ['docker.io']);
}

/** Runs the docker CLI against one engine. */
export function docker(manager: Pick<SwarmManager, 'host'>, args: readonly string[], input?: string): string {
  return execFileSync('docker', ['--host', manager.host, ...args], { encoding: 'utf8', timeout: 60_000, ...(input !== undefined && { input }), stdio: ['pipe', 'pipe', 'pipe'] });
}

function stateFile(dir: string): string {
  return join(dir, 'swarm.json');
}

export function readSwarm(name: string): SwarmBed | undefined {
  const file = stateFile(testbedDir(name));
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SwarmBed) : undefined;
}

/** The engine of a manager as a process this test bed started (its pidfile names the PID). */
export function engineProcess(bed: SwarmBed, manager: SwarmManager): ManagedProcess | undefined {
  if (!existsSync(manager.pidfile)) return undefined;
  const pid = Number(readFileSync(manager.pidfile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? { name: manager.name, pid, binary: bed.dockerd, log: manager.log } : undefined;
}

export function engineRunning(bed: SwarmBed, manager: SwarmManager): boolean {
  const p = engineProcess(bed, manager);
  return p !== undefined && isRunning(p);
}

function writeScripts(dockerd: string, dir: string, index: number): SwarmManager {
  const root = join(dir, `manager-${index}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const socket = join(root, 'docker.sock');
  const manager = {
    name: `manager-${index}`,
    address: `127.0.0.${index}`,
    host: `unix://${socket}`,
    dataRoot: join(root, 'data'),
    pidfile: join(root, 'docker.pid'),
    log: join(root, 'dockerd.log'),
  };
  const flags = [
    `--host=${manager.host}`, `--data-root=${manager.dataRoot}`, `--exec-root=${join(root, 'exec')}`, `--pidfile=${manager.pidfile}`,
    // Leave the machine's firewall and bridges alone; nothing here needs container traffic.
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=vfs',
  ];
  const start = join(root, 'start-engine.sh');
  const stop = join(root, 'stop-engine.sh');
  // Bounded waits: 60 s for the socket to answer, 30 s for the engine to exit (then 10 s after SIGKILL).
  writeFileSync(start, `#!/bin/sh
set -e
setsid ${dockerd} ${flags.join(' ')} >>${manager.log} 2>&1 < /dev/null &
i=0
until docker --host ${manager.host} version >/dev/null 2>&1; do
  i=$((i+1)); [ $i -lt 300 ] || { echo "dockerd did not answer on ${socket}" >&2; exit 1; }
  sleep 0.2
done
`, { mode: 0o700 });
  writeFileSync(stop, `#!/bin/sh
[ -f ${manager.pidfile} ] || exit 0
pid=$(cat ${manager.pidfile})
[ "$(readlink /proc/$pid/exe 2>/dev/null)" = "${dockerd}" ] || exit 0
kill -TERM $pid
i=0
while [ -e /proc/$pid ] && ! grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null; do
  i=$((i+1))
  # As systemd does after TimeoutStopSec: an engine stuck in a swarm call never exits on TERM.
  if [ $i -eq 150 ]; then echo "dockerd $pid did not stop in 30 s: killed" >&2; kill -KILL $pid; fi
  [ $i -lt 200 ] || { echo "dockerd $pid did not stop" >&2; exit 1; }
  sleep 0.2
done
rm -f ${manager.pidfile}
`, { mode: 0o700 });
  return { ...manager, stopCommand: [stop], startCommand: [start] };
}

export function startEngine(manager: SwarmManager): void {
  execFileSync(manager.startCommand[0]!, manager.startCommand.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 90_000 });
}

export function stopEngine(manager: SwarmManager): void {
  execFileSync(manager.stopCommand[0]!, manager.stopCommand.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

/** The node ID of a manager's engine. */
export function nodeId(manager: SwarmManager): string {
  return docker(manager, ['info', '--format', '{{.Swarm.NodeID}}']).trim();
}

/** Waits until `count` managers are Ready and reachable, as the first engine that answers sees them. */
export async function waitForManagers(bed: SwarmBed, count: number, timeoutMs = 90_000): Promise<void> {
  await waitFor(`${count} reachable managers`, async () => {
    for (const manager of bed.managers) {
      try {
        const lines = docker(manager, ['node', 'ls', '--format', '{{.Status}} {{.ManagerStatus}}']).trim().split('\n');
        return lines.filter((l) => /^Ready (Leader|Reachable)$/.test(l)).length >= count;
      } catch {
        // this engine is down or not a manager now: ask the next
      }
    }
    return false;
  }, timeoutMs);
}

/** Starts `managers` engines, makes the first one a swarm and joins the others as managers. */
export async function upSwarm(name: string, managers = 3): Promise<SwarmBed> {
  if (readSwarm(name) !== undefined) await downSwarm(name);
  const dir = testbedDir(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dockerd = dockerdBinary();
  const bed: SwarmBed = { name, dir, dockerd, managers: Array.from({ length: managers }, (_, i) => writeScripts(dockerd, dir, i + 1)) };
  writeFileSync(stateFile(dir), `${JSON.stringify(bed, null, 2)}\n`, { mode: 0o600 });
  try {
    for (const manager of bed.managers) {
      try {
        startEngine(manager);
      } catch (error) {
        throw new Error(`${manager.name}: ${(error as Error).message}\nlast lines of ${manager.log}:\n${tail(manager.log)}`, { cause: error });
      }
    }
    const [first, ...others] = bed.managers;
    docker(first!, ['swarm', 'init', '--advertise-addr', `${first!.address}:2377`, '--listen-addr', `${first!.address}:2377`]);
    const token = docker(first!, ['swarm', 'join-token', '-q', 'manager']).trim();
    for (const manager of others) {
      docker(manager, ['swarm', 'join', '--token', token, '--advertise-addr', `${manager.address}:2377`, '--listen-addr', `${manager.address}:2377`, `${first!.address}:2377`]);
    }
    await waitForManagers(bed, managers);
    return bed;
  } catch (error) {
    await downSwarm(name);
    throw error;
  }
}

/** Stops every engine of the swarm test bed (by its pidfile, only if it is our dockerd) and removes its folder. */
export async function downSwarm(name: string, keepFiles = false): Promise<boolean> {
  const bed = readSwarm(name);
  if (bed === undefined) return false;
  for (const manager of [...bed.managers].reverse()) {
    const p = engineProcess(bed, manager);
    if (p !== undefined) await stopProcess(p, 20_000);
  }
  // Overlay networks leave network namespaces mounted below each exec root.
  for (let attempt = 0; attempt < 5; attempt++) {
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1] ?? '').filter((m) => m.startsWith(`${bed.dir}/`));
    if (mounts.length === 0) break;
    for (const mount of mounts.reverse()) {
      try {
        execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    await sleep(200);
  }
  if (!keepFiles) rmSync(bed.dir, { recursive: true, force: true });
  return true;
}
