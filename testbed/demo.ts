/**
 * The demo `scripts/start` runs on the local test bed: a namespace of workloads to back up,
 * control-plane-style files (the test bed's PKI and kubeconfig), a password and a dashboard
 * token, and a strata.yaml with one plan (etcd, objects, files; a GFS policy, an RPO, an
 * RTO, a drill) — all under DATA_DIR. Idempotent: what exists is kept, the configuration is
 * written again (the test bed's ports may have changed). Prints the paths as JSON.
 *
 *   node testbed/demo.ts DATA_DIR
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './binaries.ts';
import { readState } from './state.ts';

const data = process.argv[2];
if (data === undefined) throw new Error('usage: node testbed/demo.ts DATA_DIR');
const state = readState('default');
if (state === undefined) throw new Error('the test bed is not running: node testbed/cli.ts up');

mkdirSync(data, { recursive: true, mode: 0o700 });
const secret = (name: string, bytes: number) => {
  const file = join(data, name);
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(bytes).toString('base64url')}\n`, { mode: 0o600 });
  return file;
};
const password = secret('password', 24);
const token = secret('dashboard-token', 24);

// What a control-plane node keeps under /etc/kubernetes: certificates and a kubeconfig.
const node = join(data, 'node', 'etc', 'kubernetes');
if (!existsSync(node)) {
  mkdirSync(node, { recursive: true, mode: 0o700 });
  cpSync(state.pki.dir, join(node, 'pki'), { recursive: true });
  copyFileSync(state.kubeconfig, join(node, 'admin.conf'));
}

execFileSync(binary('kubernetes', 'kubectl'), ['--kubeconfig', state.kubeconfig, 'apply', '-f', '-'], {
  input: `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: shop }
data: { mode: demo }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx, envFrom: [{ configMapRef: { name: settings } }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`,
  stdio: ['pipe', 'ignore', 'inherit'],
});

const config = join(data, 'strata.yaml');
const tls = state.etcd.tls;
writeFileSync(config, `# The demo plan scripts/start runs against the local test bed (written again at each start).
repositories:
  demo: { url: ${join(data, 'repo')}, passwordFile: ${password} }
clusters:
  local:
    kubeconfig: ${state.kubeconfig}
    etcd:
      endpoints: [${state.etcd.endpoints.join(', ')}]${tls === undefined ? '' : `
      tls: { caFile: ${tls.ca}, certFile: ${tls.cert}, keyFile: ${tls.key} }`}
plans:
  demo:
    cluster: local
    repository: demo
    rpo: 24h
    rto: 15m
    schedule: { cron: "0 2 * * *" }
    retention: { daily: 7, weekly: 4, monthly: 6 }
    sources:
      - { type: etcd }
      - { type: objects, includeNamespaces: [shop] }
      - { type: files, paths: [${node}] }
    drill:
      workDir: ${join(data, 'drills')}
      timeout: 2m
      etcd: { etcd: ${binary('etcd', 'etcd')}, etcdutl: ${binary('etcd', 'etcdutl')} }
`, { mode: 0o600 });
mkdirSync(join(data, 'drills'), { recursive: true });
console.log(JSON.stringify({ config, repository: join(data, 'repo'), password, token }));
