/**
 * Path patterns for --include: `*` is any run of characters within one path component, `?`
 * one character, `**` any number of components. A pattern also selects everything below
 * what it matches, so `/files/etc/kubernetes` restores the whole directory.
 */

export interface PathMatcher {
  /** Whether `path` (absolute, in the snapshot) is selected. */
  matches(path: string): boolean;
}

/** A glob as the source of a regular expression (no anchors): `*`, `?` within a component, `**` across. */
export function globSource(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // "/**/" also matches a single "/" so that "a/**/b" selects "a/b".
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return source;
}

function toRegExp(pattern: string): RegExp {
  return new RegExp(`^${globSource(pattern)}(?:/.*)?$`, 's');
}

export function pathMatcher(patterns: readonly string[]): PathMatcher {
  if (patterns.length === 0) return { matches: () => true };
  const expressions = patterns.map((p) => toRegExp(p.startsWith('/') ? p.replace(/\/+$/, '') || '/' : `**/${p.replace(/\/+$/, '')}`));
  return { matches: (path) => expressions.some((e) => e.test(path)) };
}
