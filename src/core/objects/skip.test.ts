import { describe, expect, it } from 'vitest';
import { objectSkipReason, serviceSelectorKey, typeSkipReason } from './skip.ts';
import type { KubeObject, ResourceType } from './types.ts';

const ALL = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const type = (group: string, resource: string, verbs = ALL): ResourceType => ({ group, version: 'v1', resource, kind: 'K', namespaced: true, verbs });
const object = (meta: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'K', metadata: { name: 'n', namespace: 'ns', ...meta } });
const none = { servicesWithSelector: new Set<string>() };

describe('typeSkipReason', () => {
  it('skips transient and unlistable types and keeps the rest', () => {
    expect(typeSkipReason(type('', 'events'))).toMatch(/transient/);
    expect(typeSkipReason(type('events.k8s.io', 'events'))).toMatch(/transient/);
    expect(typeSkipReason(type('coordination.k8s.io', 'leases'))).toMatch(/leader-election/);
    expect(typeSkipReason(type('authorization.k8s.io', 'selfsubjectaccessreviews', ['create']))).toMatch(/not listable/);
    expect(typeSkipReason(type('', 'componentstatuses', ['get', 'list']))).toMatch(/cannot be created/);
    expect(typeSkipReason(type('networking.k8s.io', 'ipaddresses'))).toMatch(/allocated/);
    expect(typeSkipReason(type('', 'configmaps'))).toBeUndefined();
    expect(typeSkipReason(type('example.com', 'events'))).toBeUndefined();
  });
});

describe('objectSkipReason', () => {
  const owned = (kind: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind, name: 'o', uid: 'u', controller: true }] });

  it('skips pods and replica sets that a controller recreates, not bare or foreign-owned ones', () => {
    expect(objectSkipReason(type('', 'pods'), object(owned('ReplicaSet')), none)).toBe('recreated by its ReplicaSet');
    expect(objectSkipReason(type('apps', 'replicasets'), object(owned('Deployment')), none)).toBe('recreated by its Deployment');
    expect(objectSkipReason(type('', 'pods'), object({}), none)).toBeUndefined();
    expect(objectSkipReason(type('', 'pods'), object(owned('MyOperatorThing')), none)).toBeUndefined();
    expect(objectSkipReason(type('', 'configmaps'), object(owned('Deployment')), none)).toBeUndefined();
  });

  it('skips mirror pods', () => {
    expect(objectSkipReason(type('', 'pods'), object({ annotations: { 'kubernetes.io/config.mirror': 'x' } }), none)).toMatch(/static manifest/);
  });

  it("skips endpoints of Services with a selector and slices a controller manages, and keeps hand-made ones", () => {
    const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' }, spec: { selector: { app: 'web' } } };
    const context = { servicesWithSelector: new Set([serviceSelectorKey(service)!]) };
    expect(objectSkipReason(type('', 'endpoints'), object({ name: 'web' }), context)).toMatch(/endpoints controller/);
    expect(objectSkipReason(type('', 'endpoints'), object({ name: 'external-db' }), context)).toBeUndefined();
    expect(serviceSelectorKey({ ...service, spec: {} })).toBeUndefined();
    expect(objectSkipReason(type('discovery.k8s.io', 'endpointslices'), object({ labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } }), none)).toMatch(/endpointslice-controller/);
    expect(objectSkipReason(type('discovery.k8s.io', 'endpointslices'), object({}), none)).toBeUndefined();
  });
});
