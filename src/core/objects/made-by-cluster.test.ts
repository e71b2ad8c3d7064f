import { describe, expect, it } from 'vitest';
import { madeByCluster, reconciledByTarget } from './made-by-cluster.ts';
import type { KubeObject } from './types.ts';

const obj = (kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, ...(namespace !== undefined && { namespace }), ...meta }, ...extra });
const core = (resource: string) => ({ group: '', resource });

describe('objects every cluster makes for itself', () => {
  it('leaves the kubernetes Service, kube-root-ca.crt and plain default service accounts to the target', () => {
    expect(madeByCluster(core('services'), obj('Service', 'kubernetes', 'default'))).toMatch(/API server/);
    expect(madeByCluster(core('services'), obj('Service', 'kubernetes', 'shop'))).toBeUndefined();
    expect(madeByCluster(core('configmaps'), obj('ConfigMap', 'kube-root-ca.crt', 'shop'))).toMatch(/own CA/);
    expect(madeByCluster(core('serviceaccounts'), obj('ServiceAccount', 'default', 'shop'))).toMatch(/service account controller/);
    expect(madeByCluster({ group: 'scheduling.k8s.io', resource: 'priorityclasses' }, obj('PriorityClass', 'system-node-critical'))).toBeDefined();
  });

  it('restores a default service account someone customised, and everything else', () => {
    expect(madeByCluster(core('serviceaccounts'), obj('ServiceAccount', 'default', 'shop', { imagePullSecrets: [{ name: 'registry' }] }))).toBeUndefined();
    expect(madeByCluster(core('configmaps'), obj('ConfigMap', 'settings', 'shop'))).toBeUndefined();
  });

  it('lets the target keep its own bootstrap RBAC and APF defaults', () => {
    expect(reconciledByTarget(obj('ClusterRole', 'admin', undefined, {}, { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }))).toMatch(/bootstrap RBAC/);
    expect(reconciledByTarget(obj('FlowSchema', 'exempt', undefined, {}, { annotations: { 'apf.kubernetes.io/autoupdate-spec': 'true' } }))).toBeDefined();
    expect(reconciledByTarget(obj('ClusterRole', 'shop-reader'))).toBeUndefined();
  });
});
