import { describe, expect, it } from 'vitest';
import { applyMappings, parseMapping } from './mapping.ts';
import type { KubeObject } from './types.ts';

const mappings = { namespaces: new Map([['shop', 'shop2']]), storageClasses: new Map([['slow', 'fast']]) };

describe('parseMapping', () => {
  it('reads old:new pairs', () => {
    expect([...parseMapping('--namespace-mapping', ['a:b', 'c:d'])]).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('names the flag and the bad pair', () => {
    expect(() => parseMapping('--namespace-mapping', ['a'])).toThrow(/--namespace-mapping a: expected OLD:NEW/);
    expect(() => parseMapping('--storage-class-mapping', ['A:b'])).toThrow(/--storage-class-mapping A:b/);
    expect(() => parseMapping('--namespace-mapping', ['a:b', 'a:c'])).toThrow(/a is mapped twice/);
  });
});

describe('applyMappings', () => {
  it('moves namespaced objects and renames the namespace with its name label', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' } };
    applyMappings(cm, mappings);
    expect(cm.metadata.namespace).toBe('shop2');
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } };
    applyMappings(ns, mappings);
    expect(ns.metadata).toEqual({ name: 'shop2', labels: { 'kubernetes.io/metadata.name': 'shop2' } });
  });

  it('rewrites binding subjects, claim references and webhook services', () => {
    const binding: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' },
      subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'shop' }, { kind: 'ServiceAccount', name: 'x', namespace: 'other' }],
    };
    applyMappings(binding, mappings);
    expect((binding['subjects'] as { namespace: string }[]).map((s) => s.namespace)).toEqual(['shop2', 'other']);
    const pv: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' }, spec: { storageClassName: 'slow', claimRef: { namespace: 'shop', name: 'data' } } };
    const notes = applyMappings(pv, mappings);
    expect(pv['spec']).toEqual({ storageClassName: 'fast', claimRef: { namespace: 'shop2', name: 'data' } });
    expect(notes).toHaveLength(2);
    const hook: KubeObject = {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'h' },
      webhooks: [{ name: 'w', clientConfig: { service: { namespace: 'shop', name: 'svc' } } }],
    };
    applyMappings(hook, mappings);
    expect(hook['webhooks']).toEqual([{ name: 'w', clientConfig: { service: { namespace: 'shop2', name: 'svc' } } }]);
  });

  it('maps storage classes of claims and StatefulSet claim templates', () => {
    const sts: KubeObject = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'other' },
      spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'slow' } }, { metadata: { name: 'logs' }, spec: { storageClassName: 'other' } }] },
    };
    applyMappings(sts, mappings);
    expect((sts['spec'] as { volumeClaimTemplates: { spec: { storageClassName: string } }[] }).volumeClaimTemplates.map((t) => t.spec.storageClassName)).toEqual(['fast', 'other']);
    const pvc: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'x' }, spec: { storageClassName: 'slow' } };
    applyMappings(pvc, mappings);
    expect(pvc['spec']).toEqual({ storageClassName: 'fast' });
  });
});
