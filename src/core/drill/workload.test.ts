import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../objects/types.ts';
import { parseWorkload, workloadClaims, workloadObjects } from './workload.ts';

const o = (kind: string, name: string, rest: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop', ...(labels && { labels }) }, ...rest }) as KubeObject;

describe('the chaos day\'s workload', () => {
  it('parses NAMESPACE/KIND/NAME in kubectl\'s spellings, and names the flag when wrong', () => {
    expect(parseWorkload('shop/Deployment/web')).toEqual({ namespace: 'shop', kind: 'Deployment', name: 'web' });
    expect(parseWorkload('shop/sts/db')).toEqual({ namespace: 'shop', kind: 'StatefulSet', name: 'db' });
    expect(parseWorkload('shop/deployments.apps/web').kind).toBe('Deployment');
    expect(() => parseWorkload('shop/web')).toThrow(/--workload shop\/web: expected NAMESPACE\/KIND\/NAME/);
    expect(() => parseWorkload('shop/DaemonSet/agent')).toThrow(/KIND Deployment or StatefulSet/);
  });

  it('keeps the workload, the pods it selects and the Services that select its pods', () => {
    const web = o('Deployment', 'web', { spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'front' } } } } });
    const picked = workloadObjects({
      deployments: [web, o('Deployment', 'other')],
      statefulSets: [],
      pods: [o('Pod', 'web-1', {}, { app: 'web', 'pod-template-hash': 'x' }), o('Pod', 'other-1', {}, { app: 'other' })],
      services: [o('Service', 'web', { spec: { selector: { app: 'web' } } }), o('Service', 'front', { spec: { selector: { tier: 'front', app: 'web' } } }), o('Service', 'other', { spec: { selector: { app: 'other' } } }), o('Service', 'ext', { spec: { type: 'ExternalName' } })],
      endpointSlices: [],
      claims: [o('PersistentVolumeClaim', 'data')],
    }, { namespace: 'shop', kind: 'Deployment', name: 'web' });
    expect(picked.deployments.map((d) => d.metadata.name)).toEqual(['web']);
    expect(picked.pods.map((p) => p.metadata.name)).toEqual(['web-1']);
    expect(picked.services.map((s) => s.metadata.name)).toEqual(['web', 'front']);
    expect(picked.claims).toEqual([]);
  });

  it('a workload that is gone selects nothing else', () => {
    const picked = workloadObjects({ deployments: [], statefulSets: [], pods: [o('Pod', 'x', {}, { app: 'web' })], services: [o('Service', 'web', { spec: { selector: { app: 'web' } } })], endpointSlices: [], claims: [] }, { namespace: 'shop', kind: 'Deployment', name: 'web' });
    expect([picked.deployments, picked.pods, picked.services]).toEqual([[], [], []]);
  });

  it('finds the claims a workload uses: its pod template\'s, and one per replica of each StatefulSet template', () => {
    const template = (claims: string[]) => ({ spec: { volumes: [...claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })), { name: 'tmp', emptyDir: {} }] } });
    expect(workloadClaims(o('Deployment', 'web', { spec: { template: template(['uploads', 'cache']) } }))).toEqual(['cache', 'uploads']);
    expect(workloadClaims(o('Deployment', 'web', { spec: { template: { spec: {} } } }))).toEqual([]);
    const db = o('StatefulSet', 'db', { spec: { replicas: 2, template: template(['shared']), volumeClaimTemplates: [{ metadata: { name: 'data' } }, { metadata: { name: 'wal' } }] } });
    expect(workloadClaims(db)).toEqual(['data-db-0', 'data-db-1', 'shared', 'wal-db-0', 'wal-db-1']);
    // Without replicas a StatefulSet has one.
    expect(workloadClaims(o('StatefulSet', 'db', { spec: { volumeClaimTemplates: [{ metadata: { name: 'data' } }] } }))).toEqual(['data-db-0']);
  });
});
