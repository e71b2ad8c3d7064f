import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { historyDiff, patchLines } from './changes.ts';
import { digestWith } from './digest.ts';
import { describePath, objectPath } from './layout.ts';
import { commitMessage, parseMessage } from './message.ts';
import { renderModes, renderNodeFile } from './node-files.ts';
import { renderObject } from './render.ts';
import { freeTag, minuteTag } from './tag.ts';
import type { KubeObject } from '../objects/types.ts';

const digest = digestWith((value) => createHmac('sha256', 'test key').update(value).digest());
const masking = { digest, sensitiveConfigMapKey: (key: string) => /password/.test(key) };

const deployment = (image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '77', creationTimestamp: '2026-12-01T00:00:00Z', labels: { b: '2', a: '1' }, annotations: { 'deployment.kubernetes.io/revision': '4' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image, args: ['--long-flag=' + 'x'.repeat(200)] }] } } },
  status: { readyReplicas: 2 },
});

describe('history rendering', () => {
  it('writes an object without server fields, keys in a fixed order, one changed field one changed line', () => {
    const before = renderObject(deployment('nginx:1.27'), masking);
    const after = renderObject(deployment('nginx:1.28'), masking);
    expect(before.split('\n').slice(0, 4)).toEqual(['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web']);
    for (const gone of ['uid', 'resourceVersion', 'creationTimestamp', 'status', 'readyReplicas', 'deployment.kubernetes.io/revision']) expect(before).not.toContain(gone);
    expect(before.indexOf('a: "1"')).toBeLessThan(before.indexOf('b: "2"'));
    const a = before.split('\n');
    const b = after.split('\n');
    expect(a.length).toBe(b.length);
    expect(a.filter((line, i) => line !== b[i])).toEqual(['          image: nginx:1.27']);
    // No folding: the 200-character argument stays on its line.
    expect(a.some((line) => line.includes('x'.repeat(200)))).toBe(true);
  });

  it('is the same text whatever order the keys came in', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 12 }), (labels) => {
      const entries = Object.entries(labels);
      const one = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: Object.fromEntries(entries) } as KubeObject;
      const two = { metadata: { namespace: 'n', name: 'c' }, data: Object.fromEntries(entries.reverse()), kind: 'ConfigMap', apiVersion: 'v1' } as KubeObject;
      expect(renderObject(two, masking)).toBe(renderObject(one, masking));
      expect(parse(renderObject(one, masking))).toMatchObject({ data: labels });
    }));
  });

  it('replaces Secret values and sensitive ConfigMap keys by keyed digests, never the value or its base64', () => {
    const value = 's3cr3t-value';
    const base64 = Buffer.from(value).toString('base64');
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"p":"${base64}"}}` } }, data: { p: base64 }, stringData: { q: value } } as KubeObject;
    const text = renderObject(secret, masking);
    expect(text).not.toContain(value);
    expect(text).not.toContain(base64);
    const shown = parse(text) as { data: Record<string, string>; stringData: Record<string, string> };
    expect(shown.data['p']).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    // The decoded bytes are digested: the same value in data and stringData reads the same.
    expect(shown.stringData['q']).toBe(shown.data['p']);
    const changed = parse(renderObject({ ...secret, data: { p: Buffer.from('other').toString('base64') } } as KubeObject, masking)) as { data: Record<string, string> };
    expect(changed.data['p']).not.toBe(shown.data['p']);
    // Another key gives other digests: no table of guesses carries over.
    const other = digestWith((v) => createHmac('sha256', 'other key').update(v).digest());
    expect(other(Buffer.from(value))).not.toBe(digest(Buffer.from(value)));
    const config = parse(renderObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { 'db-password': 'hunter2', host: 'db' } } as KubeObject, masking)) as { data: Record<string, string> };
    expect(config.data).toEqual({ 'db-password': digest(Buffer.from('hunter2')), host: 'db' });
  });

  it('places objects by namespace, kind and group, cluster-scoped ones under _cluster', () => {
    expect(objectPath(deployment('x'))).toBe('shop/deployment.apps/web.yaml');
    expect(objectPath({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:view' } })).toBe('_cluster/clusterrole.rbac.authorization.k8s.io/system:view.yaml');
    expect(describePath('_files/etc/kubernetes/admin.conf')).toEqual({ kind: 'file', name: '/etc/kubernetes/admin.conf' });
    expect(describePath('shop/configmap/c.yaml')).toEqual({ kind: 'object', name: 'shop/configmap/c' });
  });
});

describe('node files', () => {
  it('withholds private keys, secret settings and sensitive or binary files, keeping the rest', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
    const text = [
      'apiVersion: v1', 'users:', '- name: admin', '  user:', '    client-key-data: TFMwdExTMUNSVWRKVGlCUlUwRWdVRkpK',
      '    token: abc.def', '    tokenFile: /etc/token', 'ETCD_PASSWORD=hunter2', '- --token-auth-file=/etc/kubernetes/tokens.csv', key, '',
    ].join('\n');
    const out = renderNodeFile(Buffer.from(text), digest, false);
    for (const secret of ['TFMwdExTMUNSVWRKVGlCUlUwRWdVRkpK', 'abc.def', 'hunter2', 'MIIEowIBAAKCAQEA']) expect(out.text).not.toContain(secret);
    expect(out.text).toContain('    tokenFile: /etc/token');
    expect(out.text).toContain('- --token-auth-file=/etc/kubernetes/tokens.csv');
    expect(out.text).toContain(`    token: ${digest(Buffer.from('abc.def'))}`);
    expect(out.withheld).toBe('4 values');
    expect(out.text.split('\n').length).toBe(text.split('\n').length - 2);
    expect(renderNodeFile(Buffer.from('plain: yes\n'), digest, false)).toEqual({ text: 'plain: yes\n' });
    expect(renderNodeFile(Buffer.from('anything'), digest, true).text).toBe(`# strata: withheld (marked sensitive), 8 bytes, ${digest(Buffer.from('anything'))}\n`);
    expect(renderNodeFile(Buffer.from([0, 1, 2]), digest, false).text).toContain('binary file, 3 bytes');
  });

  it('lists modes and owners by path', () => {
    expect(renderModes([
      { path: '/etc/b', type: 'file', mode: 0o100600, uid: 0, gid: 0 },
      { path: '/etc/a', type: 'symlink', mode: 0o120777, uid: 0, gid: 0, target: 'b' },
    ]).split('\n').slice(1)).toEqual(['0777 0:0 symlink /etc/a -> b', '0600 0:0 file /etc/b', '']);
  });
});

describe('tags and messages', () => {
  it('names a tag by the minute in the time zone and never reuses one', () => {
    const at = Date.parse('2026-12-04T23:30:00Z');
    expect(minuteTag(at, 'UTC')).toBe('261204-2330');
    expect(minuteTag(at, 'Europe/Berlin')).toBe('261205-0030');
    expect(minuteTag(Date.parse('2026-07-01T10:05:59Z'), 'America/New_York')).toBe('260701-0605');
    const taken = new Set(['261204-2330', '261204-2330-2']);
    expect(freeTag('261204-2330', (t) => taken.has(t))).toBe('261204-2330-3');
    expect(freeTag('261204-2331', (t) => taken.has(t))).toBe('261204-2331');
  });

  it('reads back the facts it wrote into a commit message', () => {
    const facts = { snapshot: 'a'.repeat(64), time: '2026-12-04T23:30:00.000Z', host: 'cp-1', plan: 'nightly', server: 'https://127.0.0.1:6443', objects: 812, namespaces: 40, files: 14, added: 3, removed: 1, changed: 2 };
    const message = commitMessage(facts);
    expect(message.split('\n')[0]).toBe('strata: snapshot aaaaaaaa (plan nightly, cluster https://127.0.0.1:6443, host cp-1)');
    expect(parseMessage(message)).toEqual(facts);
    expect(parseMessage('a commit someone else made\n')).toBeUndefined();
  });
});

describe('history diff', () => {
  it('groups by object with the changed fields, and by file with the changed lines and modes', () => {
    const before = renderObject(deployment('nginx:1.27'), masking);
    const after = renderObject(deployment('nginx:1.28'), masking);
    const patch = ['diff --git a/_files/etc/x.conf b/_files/etc/x.conf', '--- a/_files/etc/x.conf', '+++ b/_files/etc/x.conf', '@@ -2 +2 @@', '-v=2', '+v=4', ''].join('\n');
    const diff = historyDiff('a', 'b', [
      { change: 'changed', path: 'shop/deployment.apps/web.yaml', before, after },
      { change: 'added', path: 'shop/configmap/new.yaml', after: 'x' },
      { change: 'removed', path: '_cluster/namespace/old.yaml', before: 'x' },
      { change: 'changed', path: '_files/etc/x.conf', patchLines: patchLines(patch).get('_files/etc/x.conf')! },
      { change: 'changed', path: '_files.modes', before: '# h\n0600 0:0 file /etc/x.conf\n0600 0:0 file /etc/y\n', after: '# h\n0644 0:0 file /etc/x.conf\n0600 0:0 file /etc/y\n' },
    ]);
    expect(diff.added).toEqual([{ kind: 'object', name: 'shop/configmap/new', change: 'added' }]);
    expect(diff.removed).toEqual([{ kind: 'object', name: '_cluster/namespace/old', change: 'removed' }]);
    expect(diff.changed).toEqual([
      { kind: 'file', name: '/etc/x.conf', change: 'changed', lines: { removed: ['v=2'], added: ['v=4'] } },
      { kind: 'modes', name: '/etc/x.conf', change: 'changed', fields: [{ path: 'mode', before: '0600 0:0', after: '0644 0:0' }] },
      { kind: 'object', name: 'shop/deployment.apps/web', change: 'changed', fields: [{ path: 'spec.template.spec.containers[0].image', before: 'nginx:1.27', after: 'nginx:1.28' }] },
    ]);
  });
});
