import { describe, expect, it } from 'vitest';
import { registryEntry } from './entry.ts';

const messages = (value: unknown) => {
  const parsed = registryEntry.safeParse({ type: 'registry', url: 'https://registry.example.com', ...(value as object) });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('registry entry', () => {
  it('takes the catalog, a list of names, or ImageStreams by namespace', () => {
    expect(messages({ repositories: ['team/*'], tags: 'v\\d+\\..*', newest: 5, platforms: ['linux/amd64', 'linux/arm/v7'] })).toEqual([]);
    expect(messages({ from: 'list', repositories: ['team/web', 'base'] })).toEqual([]);
    expect(messages({ from: 'imagestreams', namespaces: ['shop', 'team-*'], username: 'u', passwordFile: '/p' })).toEqual([]);
    expect(registryEntry.parse({ type: 'registry', url: 'https://r' })).toMatchObject({ from: 'catalog', insecure: false, concurrency: 4, timeout: '60s' });
  });

  it('names each wrong or contradictory field', () => {
    expect(messages({ url: 'https://backup:secret@registry.example.com' })).toEqual(['url: expected no user name or password in the URL: give username and passwordFile']);
    expect(messages({ url: 'ftp://registry.example.com' })).toEqual(['url: expected https://HOST[:PORT]']);
    expect(messages({ passwordFile: '/p' })).toEqual(['username: expected the user name that passwordFile belongs to']);
    expect(messages({ from: 'list' })).toEqual(['repositories: expected the repositories by name (from: list)']);
    expect(messages({ from: 'list', repositories: ['team/*'] })).toEqual(['repositories.0: expected a repository name, not a glob (from: list)']);
    expect(messages({ namespaces: ['shop'] })).toEqual(['namespaces: expected only with from: imagestreams']);
    expect(messages({ tags: '(unclosed' })[0]).toMatch(/^tags: not a regular expression: /);
    expect(messages({ platforms: ['amd64'] })).toEqual(['platforms.0: expected os/architecture[/variant], e.g. linux/amd64']);
    expect(messages({ newest: 0 })).toEqual(['newest: expected at least 1']);
    expect(messages({ from: 'everything' })).toEqual(['from: expected catalog, list or imagestreams']);
  });
});
