/**
 * Where the test bed's upstream binaries are: the cache that build-binaries.sh fills, keyed
 * by version (testbed/versions.env). Missing ones are built on first use.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function versions(): Record<string, string> {
  const text = readFileSync(join(here, 'versions.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

export function cacheDir(): string {
  return process.env['STRATA_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'strata');
}

type Component = 'kubernetes' | 'etcd' | 'kwok' | 'minio' | 'restic' | 'helm' | 'csi-snapshotter' | 'csi-provisioner' | 'distribution' | 'regclient';

const VERSION_KEY: Record<Component, string> = {
  kubernetes: 'KUBERNETES_VERSION',
  etcd: 'ETCD_VERSION',
  kwok: 'KWOK_VERSION',
  minio: 'MINIO_VERSION',
  restic: 'RESTIC_VERSION',
  helm: 'HELM_VERSION',
  'csi-snapshotter': 'EXTERNAL_SNAPSHOTTER_VERSION',
  'csi-provisioner': 'EXTERNAL_PROVISIONER_VERSION',
  distribution: 'DISTRIBUTION_VERSION',
  regclient: 'REGCLIENT_VERSION',
};

/** The build-binaries.sh component that builds each. */
const BUILT_BY: Partial<Record<Component, string>> = { 'csi-snapshotter': 'csi', 'csi-provisioner': 'csi', distribution: 'registry', regclient: 'registry' };

/** The path of `program` from `component`, building the component first if it is not cached. */
export function binary(component: Component, program: string): string {
  const version = versions()[VERSION_KEY[component]];
  const path = join(cacheDir(), 'bin', `${component}-${version}-r${versions()['BUILD_REVISION']}`, program);
  if (!existsSync(path)) {
    execFileSync('bash', [join(here, 'build-binaries.sh'), BUILT_BY[component] ?? component], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return path;
}

/** A module's folder in the Go module cache, downloaded through the module proxy if needed. */
export function goModule(path: string, version: string): string {
  const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${path}@${version}`], { encoding: 'utf8', cwd: here })) as { Dir?: string; Error?: string };
  if (info.Dir === undefined) throw new Error(`go mod download ${path}@${version}: ${info.Error ?? 'no folder'}`);
  return info.Dir;
}
