import { describe, expect, it } from 'vitest';
import { globMatches, literalNamespaces, namespaceSelected, NO_FILTERS, typeSelected } from './filters.ts';

const deployments = { group: 'apps', resource: 'deployments', kind: 'Deployment', namespaced: true };
const crds = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

describe('object filters', () => {
  it('matches globs on whole names', () => {
    expect(globMatches('shop-*', 'shop-eu')).toBe(true);
    expect(globMatches('shop-*', 'myshop-eu')).toBe(false);
    expect(globMatches('a?c', 'abc')).toBe(true);
    expect(globMatches('a.c', 'abc')).toBe(false);
  });

  it('includes, then excludes namespaces', () => {
    const filters = { ...NO_FILTERS, includeNamespaces: ['shop-*'], excludeNamespaces: ['shop-test'] };
    expect(namespaceSelected(filters, 'shop-eu')).toBe(true);
    expect(namespaceSelected(filters, 'shop-test')).toBe(false);
    expect(namespaceSelected(filters, 'billing')).toBe(false);
    expect(literalNamespaces(filters)).toBeUndefined();
    expect(literalNamespaces({ ...NO_FILTERS, includeNamespaces: ['a', 'b'], excludeNamespaces: ['b'] })).toEqual(['a']);
  });

  it('names types by resource, resource.group or kind', () => {
    for (const name of ['deployments', 'deployments.apps', 'Deployment', '*.apps']) expect(typeSelected({ ...NO_FILTERS, includeResources: [name] }, deployments)).toBe(true);
    expect(typeSelected({ ...NO_FILTERS, excludeResources: ['deployments.apps'] }, deployments)).toBe(false);
    expect(typeSelected({ ...NO_FILTERS, includeResources: ['configmaps'] }, deployments)).toBe(false);
  });

  it('leaves cluster-scoped types out when asked, unless named', () => {
    expect(typeSelected({ ...NO_FILTERS, clusterScoped: false }, crds)).toBe(false);
    expect(typeSelected({ ...NO_FILTERS, clusterScoped: false }, deployments)).toBe(true);
    expect(typeSelected({ ...NO_FILTERS, clusterScoped: false, includeResources: ['customresourcedefinitions.apiextensions.k8s.io', 'deployments'] }, crds)).toBe(true);
  });
});
