import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newestTags, platformMatcher, platformName, repositoryMapping, globMatcher, tagChanges, tagMatcher } from './selection.ts';

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe('which images a registry backup takes', () => {
  it('matches repository globs against the whole name: * within a component, ** across', () => {
    const team = globMatcher(['team/*']);
    expect(['team/web', 'team/api', 'team/web/cache', 'teams/web', 'other/team/web'].filter(team)).toEqual(['team/web', 'team/api']);
    const deep = globMatcher(['**/web', 'base']);
    expect(['web', 'team/web', 'a/b/web', 'web2', 'base', 'base/x'].filter(deep)).toEqual(['web', 'team/web', 'a/b/web', 'base']);
    const all = globMatcher([], ['tmp/**']);
    expect(['a', 'tmp/x', 'tmp/x/y', 'tmpx'].filter(all)).toEqual(['a', 'tmpx']);
    expect(globMatcher(['a.b'])('axb')).toBe(false);
  });

  it('takes tags whose whole name matches, minus the exclusion', () => {
    const semver = tagMatcher('v?\\d+\\.\\d+(\\.\\d+)?', '.*-rc\\d*');
    expect(['1.0', 'v2.1.3', '1.0-rc1', 'latest', 'x1.0', '1.0.0.0'].filter(semver)).toEqual(['1.0', 'v2.1.3']);
    expect(['a', 'b'].filter(tagMatcher(undefined, undefined))).toEqual(['a', 'b']);
    // An alternation is anchored as a whole, not only its first branch.
    expect(['latest', 'stable', 'latestx'].filter(tagMatcher('latest|stable', undefined))).toEqual(['latest', 'stable']);
  });

  it('keeps the newest N by created; undated images count as oldest; ties by name', () => {
    const tags = [
      { tag: 'a', created: '2026-01-01T00:00:00Z' }, { tag: 'b', created: '2026-03-01T00:00:00Z' },
      { tag: 'c', created: undefined }, { tag: 'd', created: 'not a date' }, { tag: 'e', created: '2026-03-01T00:00:00Z' },
    ];
    expect(newestTags(tags, 2)).toEqual(['b', 'e']);
    expect(newestTags(tags, 4)).toEqual(['b', 'e', 'a', 'c']);
    // A repository's tags are unique: the list is too (the check below goes by tag name).
    fc.assert(fc.property(fc.uniqueArray(fc.record({ tag: fc.string({ minLength: 1, maxLength: 4 }), created: fc.option(fc.date({ noInvalidDate: true }).map((x) => x.toISOString()), { nil: undefined }) }), { maxLength: 20, selector: (x) => x.tag }), fc.integer({ min: 1, max: 25 }), (list, n) => {
      const kept = newestTags(list, n);
      expect(kept.length).toBe(Math.min(n, list.length));
      // Nothing left out is newer than something kept.
      const time = (t: string | undefined) => (t === undefined ? -Infinity : Date.parse(t));
      const keptTimes = list.filter((x) => kept.includes(x.tag)).map((x) => time(x.created));
      const oldestKept = Math.min(...keptTimes);
      for (const x of list) if (!kept.includes(x.tag)) expect(time(x.created)).toBeLessThanOrEqual(oldestKept);
    }));
  });

  it('chooses platforms by os/arch, a variant-less choice taking every variant', () => {
    const keep = platformMatcher(['linux/amd64', 'linux/arm64']);
    expect(keep({ os: 'linux', architecture: 'amd64' })).toBe(true);
    expect(keep({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
    expect(keep({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(false);
    expect(keep(undefined)).toBe(false);
    expect(platformMatcher([])(undefined)).toBe(true);
    expect(platformName({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7');
  });

  it('lists tags added, removed and re-pointed between two backups', () => {
    const before = [{ repository: 'a', tag: '1', digest: d('1') }, { repository: 'a', tag: '2', digest: d('2') }, { repository: 'b', tag: 'x', digest: d('3') }];
    const after = [{ repository: 'a', tag: '1', digest: d('1') }, { repository: 'a', tag: '2', digest: d('4') }, { repository: 'c', tag: 'y', digest: d('5') }];
    expect(tagChanges(before, after)).toEqual({
      added: [{ repository: 'c', tag: 'y', digest: d('5') }],
      removed: [{ repository: 'b', tag: 'x', digest: d('3') }],
      repointed: [{ repository: 'a', tag: '2', before: d('2'), after: d('4') }],
      unchanged: 1,
    });
    expect(tagChanges(after, after)).toMatchObject({ added: [], removed: [], repointed: [], unchanged: 3 });
  });

  it('reads repository renames, naming a bad pair', () => {
    expect(repositoryMapping('--repository-mapping', ['team/web:dr/web', 'api:dr/api'])).toEqual(new Map([['team/web', 'dr/web'], ['api', 'dr/api']]));
    expect(() => repositoryMapping('--repository-mapping', ['Team/Web:x'])).toThrow(/--repository-mapping Team\/Web:x: expected OLD:NEW with two repository names/);
    expect(() => repositoryMapping('--repository-mapping', ['a:b', 'a:c'])).toThrow(/a is mapped twice/);
  });
});
