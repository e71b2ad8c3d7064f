import { describe, expect, it } from 'vitest';
import { preferenceOrder, preferredTypes, servedVersions } from './preferred-versions.ts';
import type { ResourceType } from './types.ts';

const type = (group: string, version: string, resource: string, kind: string): ResourceType => ({ group, version, resource, kind, namespaced: true, verbs: ['list'] });

describe('preferred versions', () => {
  it('puts the preferred version first, the rest in their listed order', () => {
    expect(preferenceOrder(['v1beta1', 'v1', 'v1alpha1'], 'v1')).toEqual(['v1', 'v1beta1', 'v1alpha1']);
    expect(preferenceOrder(['v2', 'v1'], undefined)).toEqual(['v2', 'v1']);
  });

  it('takes each resource at the most preferred version serving it, including kinds only an older version serves', () => {
    const served = new Map([
      ['example.io/v1', [type('example.io', 'v1', 'widgets', 'Widget')]],
      ['example.io/v1alpha1', [type('example.io', 'v1alpha1', 'widgets', 'Widget'), type('example.io', 'v1alpha1', 'gadgets', 'Gadget')]],
      ['v1', [type('', 'v1', 'configmaps', 'ConfigMap')]],
    ]);
    const types = preferredTypes([{ group: '', versions: ['v1'] }, { group: 'example.io', versions: ['v1', 'v1alpha1'] }], served);
    expect(types.map((t) => `${t.resource}.${t.group}@${t.version}`)).toEqual(['configmaps.@v1', 'widgets.example.io@v1', 'gadgets.example.io@v1alpha1']);
    expect(Object.fromEntries(servedVersions([{ group: 'example.io', versions: ['v1', 'v1alpha1'] }], served))).toEqual({ 'widgets.example.io': ['v1', 'v1alpha1'], 'gadgets.example.io': ['v1alpha1'] });
  });

  it('skips a version discovery could not read', () => {
    const served = new Map([['example.io/v1alpha1', [type('example.io', 'v1alpha1', 'gadgets', 'Gadget')]]]);
    expect(preferredTypes([{ group: 'example.io', versions: ['v1', 'v1alpha1'] }], served).map((t) => t.version)).toEqual(['v1alpha1']);
  });
});
