/**
 * Which images a registry backup takes: repositories by glob (`*` within one path
 * component, `**` across components, matched against the whole name), tags by a regular
 * expression the whole tag must match, the newest N tags of a repository by their image
 * config's `created`, and the platforms of an index.
 */
import { UsageError } from '../errors.ts';
import { globSource } from '../glob.ts';
import { isRepositoryName } from './protocol.ts';

/** A glob as a whole-name expression. */
const globExpression = (pattern: string) => new RegExp(`^${globSource(pattern)}$`);

/** Names (repositories, namespaces) the globs take and the exclusions leave; no globs take every name. */
export function globMatcher(include: readonly string[], exclude: readonly string[] = []): (name: string) => boolean {
  const taken = include.map(globExpression);
  const left = exclude.map(globExpression);
  return (name) => (taken.length === 0 || taken.some((e) => e.test(name))) && !left.some((e) => e.test(name));
}

/** Whether a pattern is a literal repository name (no glob characters). */
export const isLiteral = (pattern: string): boolean => !/[*?]/.test(pattern);

/** Tags the expression takes (the whole tag must match) and the exclusion leaves. */
export function tagMatcher(include: string | undefined, exclude: string | undefined): (tag: string) => boolean {
  const taken = include === undefined ? undefined : new RegExp(`^(?:${include})$`);
  const left = exclude === undefined ? undefined : new RegExp(`^(?:${exclude})$`);
  return (tag) => (taken === undefined || taken.test(tag)) && !(left?.test(tag) ?? false);
}

/** Whether a regular expression compiles; the message when it does not. */
export function regexProblem(expression: string): string | undefined {
  try {
    new RegExp(expression);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export interface Dated {
  readonly tag: string;
  /** The image config's `created`; undefined when it has none (or it does not parse). */
  readonly created: string | undefined;
}

/**
 * The newest `count` tags by `created`, newest first; ties by tag name. Images without a
 * date sort last: a tool that wrote no date is not "newer" than one that did.
 */
export function newestTags(tags: readonly Dated[], count: number): string[] {
  const time = (d: Dated) => {
    const ms = d.created === undefined ? Number.NaN : Date.parse(d.created);
    return Number.isFinite(ms) ? ms : Number.NEGATIVE_INFINITY;
  };
  return [...tags].sort((a, b) => time(b) - time(a) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)).slice(0, count).map((d) => d.tag);
}

export interface Platform {
  readonly os?: string;
  readonly architecture?: string;
  readonly variant?: string;
}

/** `os/arch[/variant]` as docker and the OCI spec write it. */
export const platformName = (p: Platform | undefined): string =>
  p === undefined ? 'unknown' : [p.os ?? 'unknown', p.architecture ?? 'unknown', ...(p.variant === undefined ? [] : [p.variant])].join('/');

/**
 * Whether an index entry's platform is one of the chosen (`linux/amd64`, `linux/arm64/v8`,
 * `linux/arm64` for every variant). No choice keeps every platform.
 */
export function platformMatcher(chosen: readonly string[]): (p: Platform | undefined) => boolean {
  if (chosen.length === 0) return () => true;
  return (p) => {
    const name = platformName(p);
    return chosen.some((c) => name === c || name.startsWith(`${c}/`));
  };
}

export interface TaggedImage {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
}

export interface TagChanges {
  readonly added: readonly TaggedImage[];
  readonly removed: readonly TaggedImage[];
  readonly repointed: readonly { readonly repository: string; readonly tag: string; readonly before: string; readonly after: string }[];
  readonly unchanged: number;
}

/** Tags added, removed and pointed at another digest between two backups, sorted by name. */
export function tagChanges(before: readonly TaggedImage[], after: readonly TaggedImage[]): TagChanges {
  const key = (t: TaggedImage) => `${t.repository}:${t.tag}`;
  const old = new Map(before.map((t) => [key(t), t]));
  const now = new Map(after.map((t) => [key(t), t]));
  const byName = (a: Omit<TaggedImage, 'digest'>, b: Omit<TaggedImage, 'digest'>) => (`${a.repository}:${a.tag}` < `${b.repository}:${b.tag}` ? -1 : 1);
  const added = after.filter((t) => !old.has(key(t))).sort(byName);
  const removed = before.filter((t) => !now.has(key(t))).sort(byName);
  const repointed = after.flatMap((t) => {
    const was = old.get(key(t));
    return was !== undefined && was.digest !== t.digest ? [{ repository: t.repository, tag: t.tag, before: was.digest, after: t.digest }] : [];
  }).sort(byName);
  return { added, removed, repointed, unchanged: after.length - added.length - repointed.length };
}

/** `OLD:NEW` repository renames for a restore (`team/web:restored/web`); `flag` names where they were given. */
export function repositoryMapping(flag: string, pairs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs) {
    const [from, to, ...rest] = pair.split(':');
    if (from === undefined || to === undefined || rest.length > 0 || !isRepositoryName(from) || !isRepositoryName(to)) {
      throw new UsageError(`${flag} ${pair}: expected OLD:NEW with two repository names`, { hint: `e.g. ${flag} team/web:restored/web` });
    }
    if (map.has(from)) throw new UsageError(`${flag} ${pair}: ${from} is mapped twice`, { hint: 'give each old name once' });
    map.set(from, to);
  }
  return map;
}
