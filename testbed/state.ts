/** What a running test bed is made of, saved as state.json in its folder. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CsiState } from './csi.ts';
import type { ManagedProcess } from './processes.ts';

export interface EtcdMemberState {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly metricsUrl: string;
  readonly dataDir: string;
  readonly process: ManagedProcess;
}

export interface TestbedState {
  readonly name: string;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly etcd: {
    readonly endpoints: readonly string[];
    readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
    readonly members: readonly EtcdMemberState[];
  };
  readonly pki: { readonly dir: string; readonly ca: string; readonly caKey: string };
  processes: ManagedProcess[];
  minio?: { readonly endpoint: string; readonly accessKey: string; readonly secretKeyFile: string; readonly process: ManagedProcess };
  docker?: { readonly host: string; readonly process: ManagedProcess };
  ceph?: { readonly conf: string; readonly pool: string; readonly processes: readonly ManagedProcess[] };
  csi?: CsiState;
}

export function testbedRoot(): string {
  return process.env['STRATA_TESTBED_ROOT'] ?? join(tmpdir(), 'strata-testbed');
}

export function testbedDir(name: string): string {
  return join(testbedRoot(), name);
}

export function readState(name: string): TestbedState | undefined {
  const file = join(testbedDir(name), 'state.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TestbedState) : undefined;
}

export function writeState(state: TestbedState): void {
  writeFileSync(join(state.dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
