import { describe, expect, it } from 'vitest';
import { sanitize } from './sanitize.ts';
import type { KubeObject } from './types.ts';

const options = { keepStatus: false, preserveClusterIps: false };

const service = (extra: Record<string, unknown> = {}, managedFields: unknown[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z', managedFields },
  spec: { type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }, { port: 443, protocol: 'TCP', nodePort: 30443 }], ...extra },
  status: { loadBalancer: {} },
});

describe('sanitize', () => {
  it('removes server metadata and status, and leaves the input untouched', () => {
    const input = service();
    const { object } = sanitize(input, options);
    expect(object.metadata).toEqual({ name: 'web', namespace: 'shop' });
    expect(object['status']).toBeUndefined();
    expect(input.metadata.uid).toBe('u1');
    expect((input['spec'] as { clusterIP: string }).clusterIP).toBe('10.96.0.10');
  });

  it('keeps status when asked', () => {
    expect(sanitize(service(), { ...options, keepStatus: true }).object['status']).toEqual({ loadBalancer: {} });
  });

  it('drops allocated cluster IPs unless headless or preserved', () => {
    expect(sanitize(service(), options).object['spec']).not.toHaveProperty('clusterIP');
    expect(sanitize(service({ clusterIP: 'None', clusterIPs: ['None'] }), options).object['spec']).toMatchObject({ clusterIP: 'None' });
    expect(sanitize(service(), { ...options, preserveClusterIps: true }).object['spec']).toMatchObject({ clusterIP: '10.96.0.10' });
  });

  it('keeps node ports a manager chose and drops the allocated ones', () => {
    const chosen = [{ manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"port":443,"protocol":"TCP"}': { 'f:nodePort': {}, 'f:port': {} }, 'k:{"port":80,"protocol":"TCP"}': { 'f:port': {} } } } } }];
    const ports = (sanitize(service({}, chosen), options).object['spec'] as { ports: { port: number; nodePort?: number }[] }).ports;
    expect(ports).toEqual([{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP', nodePort: 30443 }]);
  });

  it('keeps node ports named in the last-applied configuration', () => {
    const input = service();
    (input.metadata as Record<string, unknown>)['annotations'] = {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { ports: [{ port: 80, nodePort: 31000 }] } }),
    };
    const ports = (sanitize(input, options).object['spec'] as { ports: { nodePort?: number }[] }).ports;
    expect(ports.map((p) => p.nodePort)).toEqual([31000, undefined]);
  });

  it('pre-binds a PV to its claim by name, not by the old uid', () => {
    const pv: KubeObject = {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1', uid: 'x' },
      spec: { claimRef: { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data', uid: 'old', resourceVersion: '7' } },
    };
    const { object, notes } = sanitize(pv, options);
    expect((object['spec'] as { claimRef: unknown }).claimRef).toEqual({ kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data' });
    expect(notes).toContain('pre-bound to claim shop/data');
  });

  it("drops a claim's binding annotations and keeps its volume name", () => {
    const pvc: KubeObject = {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'shop', annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', keep: 'me' } },
      spec: { volumeName: 'pv1' },
    };
    const { object } = sanitize(pvc, options);
    expect(object.metadata.annotations).toEqual({ keep: 'me' });
    expect((object['spec'] as { volumeName: string }).volumeName).toBe('pv1');
  });

  it('lets the token controller reissue service-account tokens', () => {
    const secret: KubeObject = {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
      metadata: { name: 't', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'bot', 'kubernetes.io/service-account.uid': 'old' } },
      data: { token: 'eA==' },
    };
    const { object } = sanitize(secret, options);
    expect(object.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'bot' });
    expect(object['data']).toBeUndefined();
  });

  it("removes a Job's generated selector but not a manual one", () => {
    const job = (manualSelector: boolean): KubeObject => ({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'shop' },
      spec: { manualSelector, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'u', 'controller-uid': 'u', app: 'x' } } } },
    });
    expect(sanitize(job(false), options).object['spec']).toEqual({ manualSelector: false, template: { metadata: { labels: { app: 'x' } } } });
    expect(sanitize(job(true), options).object['spec']).toEqual(job(true)['spec']);
  });

  it('lets a bare pod be scheduled again with a fresh token volume', () => {
    const pod: KubeObject = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' },
      spec: {
        nodeName: 'n1',
        volumes: [{ name: 'kube-api-access-abcde', projected: {} }, { name: 'data', emptyDir: {} }],
        containers: [{ name: 'c', volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: '/var/run/secrets' }, { name: 'data', mountPath: '/d' }] }],
      },
    };
    expect(sanitize(pod, options).object['spec']).toEqual({
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [{ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/d' }] }],
    });
  });
});
