/**
 * The `control-plane` preset of the files source: what a control-plane node needs to be
 * rebuilt around a restored etcd (kubeadm's and Kubespray's layouts). Without the
 * EncryptionConfiguration the Secrets in an etcd snapshot cannot be read, and without the
 * PKI no restored API server can serve, so both are found from the API server's manifest
 * rather than assumed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Always looked for, relative to the host root. */
const KNOWN_PATHS = [
  '/etc/kubernetes/pki', // kubeadm: cluster CA, API server, etcd and front-proxy certificates and keys
  '/etc/kubernetes/ssl', // Kubespray's certificate directory
  '/etc/kubernetes/manifests', // static pods: kube-apiserver, controller-manager, scheduler, etcd
  '/var/lib/kubelet/config.yaml',
  '/var/lib/kubelet/kubeadm-flags.env',
  '/etc/etcd.env', // Kubespray's etcd settings
  '/etc/ssl/etcd/ssl', // Kubespray's etcd certificates
];

/** kube-apiserver flags that name a file the API server cannot start without. */
const APISERVER_FILE_FLAGS = [
  'encryption-provider-config',
  'audit-policy-file',
  'admission-control-config-file',
  'authentication-config',
  'authorization-config',
  'egress-selector-config-file',
  'tracing-config-file',
];

export interface ControlPlaneDiscovery {
  /** Existing paths to back up, under the host root. */
  readonly paths: readonly string[];
  /** Files the API server's manifest names that do not exist: a restore would miss them. */
  readonly missing: readonly string[];
}

export function discoverControlPlane(hostRoot = '/', extra: readonly string[] = []): ControlPlaneDiscovery {
  const under = (path: string) => join(hostRoot, path);
  const found = new Set<string>();
  const missing: string[] = [];
  for (const path of KNOWN_PATHS) if (existsSync(under(path))) found.add(under(path));
  const kubernetes = under('/etc/kubernetes');
  if (existsSync(kubernetes)) {
    for (const name of readdirSync(kubernetes)) if (name.endsWith('.conf')) found.add(join(kubernetes, name));
  }
  for (const file of apiserverFiles(under('/etc/kubernetes/manifests/kube-apiserver.yaml'))) {
    if (existsSync(under(file))) found.add(under(file));
    else missing.push(file);
  }
  for (const path of extra) found.add(path);
  // A path inside another that is already kept adds nothing.
  const sorted = [...found].sort();
  const paths = sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(`${q}/`)));
  return { paths, missing };
}

/** Files named by the flags of the kube-apiserver static pod, as absolute host paths. */
export function apiserverFiles(manifestPath: string): string[] {
  if (!existsSync(manifestPath)) return [];
  let manifest: { spec?: { containers?: { command?: unknown[]; args?: unknown[] }[] } };
  try {
    manifest = parse(readFileSync(manifestPath, 'utf8')) as typeof manifest;
  } catch {
    return [];
  }
  const args = (manifest.spec?.containers ?? []).flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])]).filter((a): a is string => typeof a === 'string');
  return flagFiles(args);
}

/** The values of the file-naming flags among `--flag=value` arguments. */
export function flagFiles(args: readonly string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    const match = /^--([a-z-]+)=(.+)$/.exec(arg);
    if (match !== null && APISERVER_FILE_FLAGS.includes(match[1]!) && match[2]!.startsWith('/')) files.push(match[2]!);
  }
  return files;
}
