import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../objects/types.ts';
import { claimWaiting, deploymentWaiting, podWaiting, readiness, serviceWaiting, statefulSetWaiting } from './readiness.ts';

const object = (kind: string, name: string, rest: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop-restore', ...metadata }, ...rest }) as KubeObject;
const available = { conditions: [{ type: 'Available', status: 'True' }] };

describe('readiness of a restored namespace', () => {
  it('a Deployment is ready when every replica is updated and available and it says Available', () => {
    expect(deploymentWaiting(object('Deployment', 'web', { spec: { replicas: 2 }, status: { updatedReplicas: 2, availableReplicas: 2, ...available } }))).toBeUndefined();
    expect(deploymentWaiting(object('Deployment', 'web', { spec: { replicas: 2 }, status: { updatedReplicas: 2, availableReplicas: 1, ...available } }))).toBe('1 of 2 replicas available, 2 updated');
    expect(deploymentWaiting(object('Deployment', 'web', { spec: {}, status: {} }))).toBe('0 of 1 replicas available, 0 updated');
    expect(deploymentWaiting(object('Deployment', 'web', { spec: { replicas: 0 }, status: {} }))).toBeUndefined();
    expect(deploymentWaiting(object('Deployment', 'web', { spec: { replicas: 1 }, status: { conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] } }))).toBe('progress deadline exceeded: timed out');
  });

  it('a StatefulSet is ready when every replica is', () => {
    expect(statefulSetWaiting(object('StatefulSet', 'db', { spec: { replicas: 3 }, status: { readyReplicas: 3 } }))).toBeUndefined();
    expect(statefulSetWaiting(object('StatefulSet', 'db', { spec: { replicas: 3 }, status: { readyReplicas: 1 } }))).toBe('1 of 3 replicas ready');
  });

  it('a pod names its container\'s reason; a finished Job pod is fine, a finished bare pod is not', () => {
    expect(podWaiting(object('Pod', 'a', { status: { phase: 'Running' } }))).toBeUndefined();
    expect(podWaiting(object('Pod', 'a', { status: { phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "settings" not found' } } }] } })))
      .toBe('Pending: container web CreateContainerConfigError (configmap "settings" not found)');
    expect(podWaiting(object('Pod', 'a', { status: { phase: 'Succeeded' } }, { ownerReferences: [{ kind: 'Job', name: 'j', uid: 'u', apiVersion: 'batch/v1' }] }))).toBeUndefined();
    expect(podWaiting(object('Pod', 'a', { status: { phase: 'Succeeded' } }))).toBe('Succeeded');
    expect(podWaiting(object('Pod', 'a', { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: '0/3 nodes are available' }] } }))).toBe('not scheduled: 0/3 nodes are available');
  });

  it('a claim must be Bound; a Service with a selector needs a ready endpoint', () => {
    expect(claimWaiting(object('PersistentVolumeClaim', 'd', { spec: { storageClassName: 'fast' }, status: { phase: 'Pending' } }))).toBe('Pending (class fast)');
    expect(claimWaiting(object('PersistentVolumeClaim', 'd', { status: { phase: 'Bound' } }))).toBeUndefined();
    const service = object('Service', 'web', { spec: { selector: { app: 'web' } } });
    const slice = (ready: boolean) => object('EndpointSlice', 'web-x', { endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready } }] }, { labels: { 'kubernetes.io/service-name': 'web' } });
    expect(serviceWaiting(service, [])).toBe('no ready endpoint');
    expect(serviceWaiting(service, [slice(false)])).toBe('no ready endpoint');
    expect(serviceWaiting(service, [slice(true)])).toBeUndefined();
    expect(serviceWaiting(object('Service', 'ext', { spec: { type: 'ExternalName', externalName: 'example.com' } }), [])).toBeUndefined();
    expect(serviceWaiting(object('Service', 'manual', { spec: { ports: [{ port: 80 }] } }), [])).toBeUndefined();
  });

  it('names each waiting object with its kind and counts what it looked at', () => {
    const state = readiness({
      deployments: [object('Deployment', 'web', { spec: { replicas: 1 }, status: {} })],
      statefulSets: [],
      pods: [object('Pod', 'web-1', { status: { phase: 'Running' } })],
      services: [],
      endpointSlices: [],
      claims: [object('PersistentVolumeClaim', 'data', { status: { phase: 'Bound' } })],
    });
    expect(state.waiting).toEqual([{ object: 'Deployment shop-restore/web', reason: '0 of 1 replicas available, 0 updated' }]);
    expect(state.counts).toEqual({ deployments: 1, statefulSets: 0, pods: 1, services: 0, claims: 1 });
  });
});
