import { describe, expect, it } from 'vitest';
import { diffObjects } from './diff.ts';
import type { KubeObject } from './types.ts';

const deployment = (replicas: number, meta: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, ...meta },
  spec: { replicas, template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  ...extra,
});

describe('diffObjects', () => {
  it('ignores server metadata, status and controller annotations', () => {
    const a = deployment(2, { uid: 'a', resourceVersion: '1', generation: 1, managedFields: [], annotations: { 'deployment.kubernetes.io/revision': '1' } }, { status: { replicas: 2 } });
    const b = deployment(2, { uid: 'b', resourceVersion: '9', generation: 4, annotations: { 'deployment.kubernetes.io/revision': '3' } }, { status: { replicas: 0 } });
    expect(diffObjects(a, b)).toEqual([]);
  });

  it('names each changed field with both values', () => {
    const b = deployment(3, { labels: { app: 'web', tier: 'front' } });
    (b['spec'] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'nginx:2';
    expect(diffObjects(deployment(2), b)).toEqual([
      { path: 'metadata.labels.tier', after: 'front' },
      { path: 'spec.replicas', before: 2, after: 3 },
      { path: 'spec.template.spec.containers[0].image', before: 'nginx:1', after: 'nginx:2' },
    ]);
  });

  it('quotes keys that are not identifiers', () => {
    const b = deployment(2, { annotations: { note: 'x', 'example.com/owner': 'me' } });
    expect(diffObjects(deployment(2, { annotations: { note: 'x' } }), b)).toEqual([{ path: 'metadata.annotations["example.com/owner"]', after: 'me' }]);
  });
});

describe('diff agrees with restore', () => {
  const job = (uid: string) => ({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop', uid, labels: { app: 'migrate' } },
    spec: {
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
      template: { metadata: { labels: { app: 'migrate', 'batch.kubernetes.io/controller-uid': uid, 'controller-uid': uid, 'batch.kubernetes.io/job-name': 'migrate', 'job-name': 'migrate' } }, spec: { containers: [{ name: 'm', image: 'migrate:1' }] } },
    },
  });

  it('does not report the generated selector and labels of a restored Job and labels as drift', () => {
    expect(diffObjects(job('old-uid'), job('new-uid'))).toEqual([]);
    expect(diffObjects(job('old-uid'), { ...job('new-uid'), spec: { ...job('new-uid').spec, parallelism: 2 } }).map((c) => c.path)).toEqual(['spec.parallelism']);
  });

  it('compares an aggregated ClusterRole by its aggregation rule, not the rules filled in', () => {
    const role = (rules: unknown[], selector: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'monitoring' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [selector]: 'true' } }] }, rules });
    expect(diffObjects(role([], 'aggregate-to-monitoring'), role([{ verbs: ['get'], resources: ['pods'], apiGroups: [''] }], 'aggregate-to-monitoring'))).toEqual([]);
    expect(diffObjects(role([], 'a'), role([], 'b')).length).toBeGreaterThan(0);
  });
});
