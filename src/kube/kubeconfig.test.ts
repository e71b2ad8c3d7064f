import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeconfigAccess } from './kubeconfig.ts';

function kubeconfig(users: string, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-kubeconfig-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA PEM');
  writeFileSync(join(dir, 'token'), 'from-file\n');
  const file = join(dir, 'config');
  writeFileSync(file, `
apiVersion: v1
kind: Config
current-context: main
clusters:
- name: c
  cluster: {server: "https://10.0.0.1:6443", certificate-authority: ca.crt, tls-server-name: api.internal}
contexts:
- name: main
  context: {cluster: c, user: u}
- name: other
  context: {cluster: c, user: v}
users:
${users}
${extra}`);
  return file;
}

describe('kubeconfigAccess', () => {
  it('reads the current context, files relative to the kubeconfig, and a static token', async () => {
    const access = kubeconfigAccess(kubeconfig('- name: u\n  user: {token: abc}\n- name: v\n  user: {tokenFile: token}'), undefined);
    expect(access.server).toBe('https://10.0.0.1:6443');
    expect(await access.credentials()).toEqual({ insecure: false, ca: Buffer.from('CA PEM'), servername: 'api.internal', authorization: 'Bearer abc' });
  });

  it('reads a token file each time and picks another context by name', async () => {
    const file = kubeconfig('- name: u\n  user: {token: abc}\n- name: v\n  user: {tokenFile: token}');
    const access = kubeconfigAccess(file, 'other');
    expect((await access.credentials()).authorization).toBe('Bearer from-file');
    writeFileSync(join(file, '..', 'token'), 'rotated\n');
    expect((await access.credentials()).authorization).toBe('Bearer rotated');
  });

  it('runs an exec credential plugin and caches its credential until it nearly expires', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-exec-'));
    const plugin = join(dir, 'plugin.sh');
    const counter = join(dir, 'count');
    writeFileSync(plugin, `#!/bin/sh\necho x >> ${counter}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'$STRATA_TOKEN'","expirationTimestamp":"2099-01-01T00:00:00Z"}}'\n`);
    chmodSync(plugin, 0o755);
    const access = kubeconfigAccess(kubeconfig(`- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, env: [{name: STRATA_TOKEN, value: t0k3n}]}`), undefined);
    expect((await access.credentials()).authorization).toBe('Bearer t0k3n');
    await access.credentials();
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('names the file, the context and what to do when something is wrong', async () => {
    expect(() => kubeconfigAccess(kubeconfig('- name: u\n  user: {token: abc}'), 'nope')).toThrow(/--context nope: not in .*contexts: main, other/);
    expect(() => kubeconfigAccess(kubeconfig('- name: u\n  user: {auth-provider: {name: oidc}}'), undefined)).toThrow(/auth-provider oidc/);
    const broken = kubeconfigAccess(kubeconfig('- name: u\n  user: {exec: {command: /nonexistent/plugin, installHint: "install the plugin"}}'), undefined);
    await expect(broken.credentials()).rejects.toThrow(/credential plugin \/nonexistent\/plugin failed/);
  });
});
