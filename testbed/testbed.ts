/**
 * The test bed: real etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK
 * on 127.0.0.1 (MinIO and Docker Engine on demand), with a generated PKI and kubeconfig.
 * Used by `testbed/cli.ts` and by the integration tests' helper.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane } from './control-plane.ts';
import { startCeph } from './ceph.ts';
import { startCsi } from './csi.ts';
import { startDocker } from './docker.ts';
import { initialCluster, launchEtcd, planEtcd, startEtcd, type PlannedMember } from './etcd.ts';
import { startKwok } from './kwok.ts';
import { startMinio } from './minio.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { createPki, issuer } from './pki.ts';
import { isRunning, stopProcess, type ManagedProcess } from './processes.ts';
import { readState, testbedDir, writeState, type TestbedState } from './state.ts';

export interface UpOptions {
  readonly name?: string;
  /** 1 (plain HTTP, the default) or 3 (TLS between members and clients). */
  readonly etcdMembers?: number;
  readonly etcdTls?: boolean;
  readonly nodes?: number;
  readonly minio?: boolean;
  readonly docker?: boolean;
  readonly ceph?: boolean;
  /** The OSD's memory store (default 3 GiB): the RBD benchmark's snapshots pin a few GiB of clones. */
  readonly cephBytes?: number;
  /** CSI snapshots: snapshot CRDs and controller, provisioner and snapshotter sidecars, a hostpath driver. */
  readonly csi?: boolean;
}

export async function up(options: UpOptions = {}): Promise<TestbedState> {
  const name = options.name ?? 'default';
  const existing = readState(name);
  if (existing !== undefined) {
    if (existing.processes.every(isRunning)) return existing;
    await down(name);
  }
  const dir = testbedDir(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki = createPki(join(dir, 'pki'));
  const started: ManagedProcess[] = [];
  try {
    const members = options.etcdMembers ?? 1;
    const etcd = await startEtcd(name, dir, pki, { members, tls: options.etcdTls ?? members > 1 });
    started.push(...etcd.members.map((m) => m.process));
    const plane = await startControlPlane(dir, pki, etcd);
    started.push(...plane.processes);
    started.push(await startKwok(dir, pki, plane.server, plane.kubeconfig, options.nodes ?? 3));
    const state: TestbedState = {
      name,
      dir,
      kubeconfig: plane.kubeconfig,
      server: plane.server,
      etcd,
      pki: { dir: pki.dir, ca: pki.ca.cert, caKey: pki.ca.key },
      processes: started,
    };
    writeState(state);
    if (options.minio) await addMinio(state);
    if (options.docker) await addDocker(state);
    if (options.ceph) await addCeph(state, options.cephBytes);
    if (options.csi) await addCsi(state);
    return state;
  } catch (error) {
    await Promise.all(started.map((p) => stopProcess(p)));
    throw error;
  }
}

/**
 * A second test bed whose etcd members are made by `restore` (given the planned members
 * and their initial-cluster string; it must create each member's data directory) instead
 * of starting empty; then kube-apiserver, controller manager and scheduler on top. For
 * restore tests: stop it with `down(name)` like any other.
 */
export async function upRestored(
  name: string,
  members: number,
  restore: (planned: readonly PlannedMember[], initialCluster: string) => Promise<void>,
): Promise<TestbedState> {
  if (readState(name) !== undefined) await down(name);
  const dir = testbedDir(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki = createPki(join(dir, 'pki'));
  const planned = await planEtcd(dir, members, true);
  await restore(planned, initialCluster(planned));
  const started: ManagedProcess[] = [];
  try {
    const etcd = await launchEtcd(name, dir, pki, planned, true);
    started.push(...etcd.members.map((m) => m.process));
    const plane = await startControlPlane(dir, pki, etcd);
    started.push(...plane.processes);
    const state: TestbedState = { name, dir, kubeconfig: plane.kubeconfig, server: plane.server, etcd, pki: { dir: pki.dir, ca: pki.ca.cert, caKey: pki.ca.key }, processes: started };
    writeState(state);
    return state;
  } catch (error) {
    await Promise.all(started.map((p) => stopProcess(p)));
    throw error;
  }
}

export const addMinio = (state: TestbedState) => addOnDemand(state, 'minio', startMinio);
export const addDocker = (state: TestbedState) => addOnDemand(state, 'docker', startDocker);

/** Starts the single-node Ceph once per test bed (three daemons: mon, mgr, OSD). */
export async function addCeph(state: TestbedState, bytes?: number): Promise<TestbedState> {
  if (state.ceph !== undefined && state.ceph.processes.every(isRunning)) return state;
  const ceph = await startCeph(state.dir, bytes);
  state.ceph = ceph;
  state.processes.push(...ceph.processes);
  writeState(state);
  return state;
}

/** Starts the CSI snapshot machinery once per test bed. */
export async function addCsi(state: TestbedState): Promise<TestbedState> {
  if (state.csi !== undefined && state.csi.processes.every(isRunning)) return state;
  const csi = await startCsi(state.dir, state.kubeconfig);
  state.csi = csi;
  state.processes.push(...csi.processes);
  writeState(state);
  return state;
}

/** Starts an on-demand service once per test bed and records its process for `down`. */
async function addOnDemand<K extends 'minio' | 'docker'>(
  state: TestbedState,
  key: K,
  start: (dir: string) => Promise<NonNullable<TestbedState[K]>>,
): Promise<TestbedState> {
  const running = state[key];
  if (running !== undefined && isRunning(running.process)) return state;
  const service = await start(state.dir);
  state[key] = service;
  state.processes.push(service.process);
  writeState(state);
  return state;
}

/** Stops every process this test bed started (by its recorded PID), newest first, and removes its folder. */
export async function down(name = 'default', keepFiles = false): Promise<boolean> {
  const state = readState(name);
  if (state === undefined) return false;
  for (const p of [...state.processes].reverse()) await stopProcess(p);
  if (!keepFiles) rmSync(state.dir, { recursive: true, force: true });
  return true;
}

/** Stops one component (e.g. "etcd-0") and leaves the rest running: for failure tests. */
export async function stopComponent(state: TestbedState, component: string): Promise<void> {
  const p = state.processes.find((candidate) => candidate.name === component);
  if (p === undefined) throw new Error(`test bed ${state.name} has no component ${component}`);
  await stopProcess(p, 2_000);
}

/** A kubeconfig for a user authenticated by a client certificate from the test bed's CA. */
export function userKubeconfig(state: TestbedState, user: string, groups: readonly string[] = []): string {
  const cert = issuer(state.pki.dir, { cert: state.pki.ca, key: state.pki.caKey })(`user-${user}`, { cn: user, o: groups }, 'client');
  const path = join(state.dir, `user-${user}.kubeconfig`);
  writeKubeconfig(path, state.server, state.pki.ca, cert.cert, cert.key, user);
  return path;
}
