import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_FILTERS } from './filters.ts';
import { NO_MAPPINGS } from './mapping.ts';
import { STAGES, stageIndex } from './order.ts';
import { planRestore, renderPlan, type PlanInput, type RestoreOptions } from './plan.ts';
import type { KubeObject, ResourceType } from './types.ts';

const type = (group: string, resource: string, kind: string, namespaced = true): ResourceType => ({ group, version: 'v1', resource, kind, namespaced, verbs: [] });
const T = {
  crd: type('apiextensions.k8s.io', 'customresourcedefinitions', 'CustomResourceDefinition', false),
  ns: type('', 'namespaces', 'Namespace', false),
  pv: type('', 'persistentvolumes', 'PersistentVolume', false),
  pvc: type('', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  cm: type('', 'configmaps', 'ConfigMap'),
  deploy: type('apps', 'deployments', 'Deployment'),
  widget: type('example.com', 'widgets', 'Widget'),
  hook: type('admissionregistration.k8s.io', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false),
  node: type('', 'nodes', 'Node', false),
  role: type('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false),
};

const obj = (t: ResourceType, name: string, namespace?: string, extra: Record<string, unknown> = {}, uid?: string): PlanInput => ({
  type: t,
  object: { apiVersion: t.group === '' ? 'v1' : `${t.group}/v1`, kind: t.kind, metadata: { name, ...(namespace && { namespace }), ...(uid && { uid }) }, ...extra } as KubeObject,
});

const options: RestoreOptions = {
  filters: { ...NO_FILTERS, clusterScoped: 'auto' },
  mappings: NO_MAPPINGS,
  keepStatus: false,
  preserveClusterIps: false,
  restoreNodeMetadata: false,
};

const crd = obj(T.crd, 'widgets.example.com', undefined, { spec: { group: 'example.com', names: { plural: 'widgets' } } });
const sample: PlanInput[] = [
  obj(T.hook, 'guard'),
  obj(T.widget, 'w1', 'shop'),
  obj(T.deploy, 'web', 'shop', {}, 'deploy-uid'),
  obj(T.cm, 'owned', 'shop', { }, 'cm-uid'),
  obj(T.cm, 'cfg', 'shop'),
  obj(T.pvc, 'data', 'shop', { spec: { volumeName: 'pv1' } }),
  obj(T.pv, 'pv1', undefined, { spec: { claimRef: { namespace: 'shop', name: 'data', uid: 'x' } } }),
  obj(T.pv, 'unrelated'),
  obj(T.ns, 'shop'),
  obj(T.ns, 'kube-system'),
  obj(T.cm, 'x', 'kube-system'),
  obj(T.node, 'n1'),
  obj(T.role, 'admin-ish'),
  crd,
];
// A config map owned by the Deployment: it must come after its owner.
(sample[3]!.object.metadata as Record<string, unknown>)['ownerReferences'] = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'deploy-uid' }];

const order = (plan: ReturnType<typeof planRestore>): string[] => plan.steps.flatMap((s) => s.items.map((i) => i.key));

describe('planRestore', () => {
  it('orders CRDs, namespaces, volumes, claims, config, workloads, custom resources, webhooks', () => {
    const keys = order(planRestore(sample, options));
    expect(keys).toEqual([
      'customresourcedefinitions.apiextensions.k8s.io/widgets.example.com',
      'namespaces/shop',
      'persistentvolumes/pv1',
      'persistentvolumes/unrelated',
      'persistentvolumeclaims/shop/data',
      'clusterroles.rbac.authorization.k8s.io/admin-ish',
      'configmaps/shop/cfg',
      'deployments.apps/shop/web',
      'configmaps/shop/owned',
      'widgets.example.com/shop/w1',
      'validatingwebhookconfigurations.admissionregistration.k8s.io/guard',
    ]);
  });

  it('keeps system namespaces and nodes out unless asked', () => {
    const plan = planRestore(sample, options);
    expect(plan.excluded).toMatchObject({ 'system namespace not named in --include-namespaces': 2, 'nodes are never created (see --restore-node-metadata)': 1 });
    const named = planRestore(sample, { ...options, filters: { ...options.filters, includeNamespaces: ['kube-system'] }, restoreNodeMetadata: true });
    expect(order(named)).toContain('configmaps/kube-system/x');
    expect(named.nodes.map((n) => n.name)).toEqual(['n1']);
  });

  it('with some namespaces, brings along only the volumes their claims use and the CRDs of their custom resources', () => {
    const keys = order(planRestore(sample, { ...options, filters: { ...options.filters, includeNamespaces: ['shop'] } }));
    expect(keys).toContain('persistentvolumes/pv1');
    expect(keys).toContain('customresourcedefinitions.apiextensions.k8s.io/widgets.example.com');
    expect(keys).not.toContain('persistentvolumes/unrelated');
    expect(keys).not.toContain('clusterroles.rbac.authorization.k8s.io/admin-ish');
  });

  it('maps namespaces in keys and notes where they came from', () => {
    const plan = planRestore(sample, { ...options, mappings: { namespaces: new Map([['shop', 'shop2']]), storageClasses: new Map() } });
    const keys = order(plan);
    expect(keys).toContain('namespaces/shop2');
    expect(keys).toContain('configmaps/shop2/cfg');
    expect(keys).not.toContain('configmaps/shop/cfg');
    const pv = plan.steps.flatMap((s) => s.items).find((i) => i.key === 'persistentvolumes/pv1')!;
    expect(pv.object['spec']).toEqual({ claimRef: { namespace: 'shop2', name: 'data' } });
    expect(renderPlan(plan)).toContain('configmaps/shop2/cfg  (from configmaps/shop/cfg)');
  });

  it('drops owner references to owners that are not restored', () => {
    const orphan = obj(T.cm, 'orphan', 'shop', {}, 'o');
    (orphan.object.metadata as Record<string, unknown>)['ownerReferences'] = [{ apiVersion: 'v1', kind: 'Thing', name: 'gone', uid: 'missing' }];
    const item = planRestore([obj(T.ns, 'shop'), orphan], options).steps.flatMap((s) => s.items).find((i) => i.key === 'configmaps/shop/orphan')!;
    expect(item.object.metadata.ownerReferences).toBeUndefined();
    expect(item.notes).toContain('owner Thing gone is not restored: reference dropped');
  });

  it('breaks an ownership cycle the same way whatever the input order', () => {
    const a = obj(T.cm, 'a', 'ns', {}, 'ua');
    const b = obj(T.cm, 'b', 'ns', {}, 'ub');
    (a.object.metadata as Record<string, unknown>)['ownerReferences'] = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'b', uid: 'ub' }];
    (b.object.metadata as Record<string, unknown>)['ownerReferences'] = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'ua' }];
    expect(order(planRestore([a, b], options))).toEqual(order(planRestore([b, a], options)));
  });

  it('property: stages never go backwards, owners come before dependents, and input order does not matter', () => {
    const types = [T.cm, T.deploy, T.widget, T.pvc, T.hook, T.role];
    const arbitraryInputs = fc.uniqueArray(
      fc.record({ t: fc.integer({ min: 0, max: types.length - 1 }), name: fc.stringMatching(/^[a-z]{1,6}$/), owner: fc.option(fc.nat(30), { nil: undefined }) }),
      { maxLength: 30, selector: (r) => `${r.t}/${r.name}` },
    );
    fc.assert(
      fc.property(arbitraryInputs, fc.integer(), (records, seed) => {
        const inputs = records.map((r, i) => obj(types[r.t]!, r.name, types[r.t]!.namespaced ? 'ns' : undefined, {}, `uid-${i}`));
        records.forEach((r, i) => {
          if (r.owner !== undefined && r.owner < i) {
            (inputs[i]!.object.metadata as Record<string, unknown>)['ownerReferences'] = [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: `uid-${r.owner}` }];
          }
        });
        const plan = planRestore(inputs, options);
        const steps = plan.steps.map((s) => stageIndex(s.stage) * 100 + s.depth);
        expect([...steps].sort((a, b) => a - b)).toEqual(steps);
        const stepOf = new Map(plan.steps.flatMap((s, n) => s.items.map((i) => [i.uid, n] as const)));
        for (const step of plan.steps) {
          for (const item of step.items) {
            for (const ref of item.object.metadata.ownerReferences ?? []) {
              if (ref.uid === item.uid) continue;
              expect(stepOf.get(ref.uid)).toBeLessThan(stepOf.get(item.uid)!);
            }
          }
        }
        const shuffled = [...inputs].sort(() => (seed = (seed * 1103515245 + 12345) | 0) & 1 ? 1 : -1);
        expect(order(planRestore(shuffled, options))).toEqual(order(plan));
        expect(STAGES).toContain(plan.steps[0]?.stage ?? STAGES[0]);
      }),
    );
  });
});

describe('a drill\'s copy', () => {
  const claim = obj(T.pvc, 'data', 'shop', { spec: { volumeName: 'pv-data', storageClassName: 'fast' }, metadata: { name: 'data', namespace: 'shop', annotations: { 'volume.kubernetes.io/selected-node': 'n1' } } });
  const volume = obj(T.pv, 'pv-data', undefined, { spec: { claimRef: { namespace: 'shop', name: 'data' } } });
  const copyOptions: RestoreOptions = {
    ...options,
    filters: { ...NO_FILTERS, includeNamespaces: ['shop'], clusterScoped: 'auto' },
    mappings: { namespaces: new Map([['shop', 'shop-restore']]), storageClasses: new Map([['fast', 'scratch']]) },
    copy: { labels: { 'strata.io/drill': 'd1' } },
  };

  it('gives claims new volumes and never restores the backed-up volume', () => {
    const plan = planRestore([claim, volume, obj(T.cm, 'settings', 'shop')], copyOptions);
    const items = plan.steps.flatMap((s) => s.items);
    expect(items.map((i) => i.key).sort()).toEqual(['configmaps/shop-restore/settings', 'persistentvolumeclaims/shop-restore/data']);
    const restored = items.find((i) => i.type.resource === 'persistentvolumeclaims')!.object as KubeObject & { spec: Record<string, unknown> };
    expect(restored.spec['volumeName']).toBeUndefined();
    expect(restored.spec['storageClassName']).toBe('scratch');
    expect(restored.metadata.annotations?.['volume.kubernetes.io/selected-node']).toBeUndefined();
    expect(items.find((i) => i.type.resource === 'persistentvolumeclaims')!.notes).toContain('gets a new volume instead of pv-data (a drill\'s copy)');
  });

  it('labels every object of the copy, keeping its own labels', () => {
    const labelled = obj(T.deploy, 'web', 'shop', { metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } } });
    const items = planRestore([labelled, obj(T.cm, 'settings', 'shop')], copyOptions).steps.flatMap((s) => s.items);
    for (const item of items) expect(item.object.metadata.labels?.['strata.io/drill']).toBe('d1');
    expect(items.find((i) => i.key.startsWith('deployments'))!.object.metadata.labels?.['app']).toBe('web');
  });

  it('without copy, a claim keeps its volume and the volume comes along', () => {
    const plan = planRestore([claim, volume], { ...copyOptions, copy: undefined } as RestoreOptions);
    expect(plan.steps.flatMap((s) => s.items).map((i) => i.key).sort()).toEqual(['persistentvolumeclaims/shop-restore/data', 'persistentvolumes/pv-data']);
  });
});
