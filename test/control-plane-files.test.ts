/**
 * The control-plane preset on a generated kubeadm-like node: it finds what matters (PKI,
 * kubeconfigs, static manifests, kubelet config, the EncryptionConfiguration the API
 * server's manifest names, /etc/etcd.env), restores it exactly, and no key material is
 * readable in the repository.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';

const marker = () => `KEY-${randomBytes(12).toString('hex')}`;

describe('backup --control-plane', () => {
  const s = scratch();
  const root = join(s.dir, 'host');
  const repo = join(s.dir, 'repo');
  const secrets = { caKey: marker(), etcdKey: marker(), admin: marker(), encryption: marker(), etcdEnv: marker() };
  const files: Record<string, { content: string; mode: number }> = {
    '/etc/kubernetes/pki/ca.crt': { content: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', mode: 0o644 },
    '/etc/kubernetes/pki/ca.key': { content: `-----BEGIN RSA PRIVATE KEY-----\n${secrets.caKey}\n-----END RSA PRIVATE KEY-----\n`, mode: 0o600 },
    '/etc/kubernetes/pki/etcd/ca.key': { content: `-----BEGIN RSA PRIVATE KEY-----\n${secrets.etcdKey}\n-----END RSA PRIVATE KEY-----\n`, mode: 0o600 },
    '/etc/kubernetes/admin.conf': { content: `apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-key-data: ${secrets.admin}\n`, mode: 0o600 },
    '/etc/kubernetes/scheduler.conf': { content: 'apiVersion: v1\nkind: Config\n', mode: 0o600 },
    '/etc/kubernetes/manifests/kube-apiserver.yaml': {
      content: [
        'apiVersion: v1', 'kind: Pod', 'metadata: {name: kube-apiserver, namespace: kube-system}', 'spec:', '  containers:', '  - name: kube-apiserver', '    command:',
        '    - kube-apiserver', '    - --etcd-servers=https://127.0.0.1:2379',
        '    - --encryption-provider-config=/etc/kubernetes/encryption/config.yaml',
        '    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml', '',
      ].join('\n'),
      mode: 0o600,
    },
    '/etc/kubernetes/manifests/etcd.yaml': { content: 'apiVersion: v1\nkind: Pod\n', mode: 0o600 },
    '/etc/kubernetes/encryption/config.yaml': { content: `kind: EncryptionConfiguration\nresources:\n- providers:\n  - aescbc:\n      keys:\n      - name: k1\n        secret: ${secrets.encryption}\n`, mode: 0o600 },
    '/var/lib/kubelet/config.yaml': { content: 'kind: KubeletConfiguration\n', mode: 0o644 },
    '/etc/etcd.env': { content: `ETCD_PEER_KEY_FILE=/etc/ssl/etcd/ssl/member.key\nETCD_SECRET=${secrets.etcdEnv}\n`, mode: 0o640 },
  };
  const noise = ['/etc/kubernetes/tmp/kubeadm-backup.txt', '/var/lib/kubelet/pods/uid/volume.txt', '/etc/hostname'];
  for (const [path, f] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), f.content, { mode: f.mode });
  }
  for (const path of noise) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), 'not part of the control plane\n');
  }

  it('finds, stores and restores exactly what a control-plane node needs', async () => {
    await s.ok(['init', '--repo', repo]);
    const result = await s.ok(['backup', '--repo', repo, '--control-plane', '--host-root', root, '--json']);
    const snapshot = JSON.parse(result.stdout) as { id: string; paths: string[] };
    expect(snapshot.paths.sort()).toEqual(
      ['/etc/kubernetes/pki', '/etc/kubernetes/manifests', '/etc/kubernetes/admin.conf', '/etc/kubernetes/scheduler.conf', '/etc/kubernetes/encryption/config.yaml', '/var/lib/kubelet/config.yaml', '/etc/etcd.env']
        .map((p) => join(root, p))
        .sort(),
    );
    // The manifest names an audit policy that is not there: a restore would miss it, so say so.
    expect(result.stderr).toContain('the kube-apiserver manifest names /etc/kubernetes/audit/policy.yaml, which does not exist');

    const target = join(s.dir, 'restored');
    await s.ok(['restore', snapshot.id, '--repo', repo, '--target', target]);
    for (const [path, f] of Object.entries(files)) {
      const restored = join(target, 'files', root, path);
      expect(readFileSync(restored, 'utf8'), path).toBe(f.content);
      expect(statSync(restored).mode & 0o7777, path).toBe(f.mode);
    }
    for (const path of noise) expect(existsSync(join(target, 'files', root, path)), path).toBe(false);

    const stored = filesUnder(repo).map((file) => readFileSync(file));
    for (const secret of [...Object.values(secrets), 'PRIVATE KEY', 'EncryptionConfiguration']) {
      expect(stored.some((bytes) => bytes.includes(secret)), secret).toBe(false);
    }
  });

  it('refuses a root with no control-plane files (exit 2), naming it', async () => {
    const empty = join(s.dir, 'empty');
    mkdirSync(empty);
    const result = await s.run(['backup', '--repo', repo, '--control-plane', '--host-root', empty]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--control-plane: no control-plane files under ${empty}`);
  });
});
