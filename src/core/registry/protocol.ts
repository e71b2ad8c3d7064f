/**
 * Small pieces of the distribution protocol as pure functions: the `WWW-Authenticate`
 * challenge (RFC 7235 syntax, as registries send it), the `Link` header that pages
 * `_catalog` and `tags/list`, digests, and the token scope a request needs.
 */

export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** `Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull"` → its scheme and parameters. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(.*)$/s.exec(header);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  const pair = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g;
  for (let found = pair.exec(match[2]!); found !== null; found = pair.exec(match[2]!)) {
    params[found[1]!.toLowerCase()] = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : found[3]!;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** The URL of `rel="next"` in a Link header, resolved against the request's URL. */
export function nextLink(header: string | undefined, base: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match !== null && /(^|;)\s*rel="?next"?\s*(;|$)/.test(match[2]!)) return new URL(match[1]!, base).toString();
  }
  return undefined;
}

const DIGEST = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** `sha256:…` → the hash algorithm Node names it by, and the hex. */
export function digestParts(digest: string): { readonly algorithm: 'sha256' | 'sha512'; readonly hex: string } {
  if (!isDigest(digest)) throw new Error(`not a digest: ${digest}`);
  const [algorithm, hex] = digest.split(':') as ['sha256' | 'sha512', string];
  return { algorithm, hex };
}

/** Repository names as the distribution spec allows them (lowercase path components). */
export function isRepositoryName(name: string): boolean {
  return /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(name) && name.length <= 255;
}

export function isTag(tag: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag);
}
