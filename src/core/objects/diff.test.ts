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
