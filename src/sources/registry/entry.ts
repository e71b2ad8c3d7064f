/**
 * The `registry` entry of a plan's sources: one OCI registry, its repositories by glob (from
 * the catalog, listed by name where the catalog is disabled, or the images OpenShift
 * ImageStreams point at), tags by regular expression
 * and newest N, and the platforms of multi-platform images. The password is read from a
 * file, never written in strata.yaml.
 */
import { z } from 'zod';
import { count, duration, filePath, nonEmptyStrings, secretFile } from '../../core/config/fields.ts';
import { isLiteral, regexProblem } from '../../core/registry/selection.ts';

const expression = (what: string) => z.string({ error: `expected a regular expression the whole ${what} must match` }).min(1).superRefine((text, ctx) => {
  const problem = regexProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a regular expression: ${problem}` });
});

export const registryEntry = z.strictObject({
  type: z.literal('registry'),
  /** https://registry.example.com[:PORT]; http:// only with insecure, on 127.0.0.1. */
  url: z.url({ error: 'expected the registry URL, e.g. https://registry.example.com' }),
  username: z.string().min(1).optional(),
  /** A file (mode 0600) holding the password or token of `username`. */
  passwordFile: secretFile().optional(),
  /** The registry's CA certificate (PEM), when it is not one the system trusts. */
  caFile: filePath().optional(),
  /** Plain HTTP or an unverified certificate: refused unless the registry is on 127.0.0.1. */
  insecure: z.boolean().default(false),
  /**
   * Where the images come from: the registry's catalog; `list`, the repositories named in
   * `repositories` (a registry whose catalog is disabled); or `imagestreams`, exactly the
   * images OpenShift ImageStreams' tags point at in this registry, under the streams' tag names.
   */
  from: z.enum(['catalog', 'list', 'imagestreams'], { error: 'expected catalog, list or imagestreams' }).default('catalog'),
  /** Repository globs (`team/*`, `**`); every repository when unset. */
  repositories: nonEmptyStrings('a repository glob').min(1).optional(),
  exclude: nonEmptyStrings('a repository glob').optional(),
  /** With from: imagestreams: the namespaces (globs) whose streams are taken; every one when unset. */
  namespaces: nonEmptyStrings('a namespace glob').min(1).optional(),
  excludeNamespaces: nonEmptyStrings('a namespace glob').optional(),
  /** Tags whose whole name matches (`v\d+\..*`); every tag when unset. */
  tags: expression('tag').optional(),
  excludeTags: expression('tag').optional(),
  /** Only the newest N matching tags of each repository, by the image config's `created`. */
  newest: count().min(1, { error: 'expected at least 1' }).optional(),
  /** Platforms of a multi-platform image to keep (`linux/amd64`); every one when unset. */
  platforms: z.array(z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, { error: 'expected os/architecture[/variant], e.g. linux/amd64' })).min(1).optional(),
  /** Blobs downloaded at once. */
  concurrency: count().min(1, { error: 'expected at least 1' }).max(64).default(4),
  /** No byte from the registry for this long: the request fails. */
  timeout: duration().default('60s'),
}).superRefine((entry, ctx) => {
  const url = new URL(entry.url);
  if (url.username !== '' || url.password !== '') ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected no user name or password in the URL: give username and passwordFile' });
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected https://HOST[:PORT]' });
  if (entry.passwordFile !== undefined && entry.username === undefined) ctx.addIssue({ code: 'custom', path: ['username'], message: 'expected the user name that passwordFile belongs to' });
  if (entry.from === 'list') {
    if (entry.repositories === undefined) ctx.addIssue({ code: 'custom', path: ['repositories'], message: 'expected the repositories by name (from: list)' });
    for (const [i, r] of (entry.repositories ?? []).entries()) {
      if (!isLiteral(r)) ctx.addIssue({ code: 'custom', path: ['repositories', i], message: 'expected a repository name, not a glob (from: list)' });
    }
  }
  if (entry.from !== 'imagestreams' && (entry.namespaces ?? entry.excludeNamespaces) !== undefined) {
    ctx.addIssue({ code: 'custom', path: [entry.namespaces !== undefined ? 'namespaces' : 'excludeNamespaces'], message: 'expected only with from: imagestreams' });
  }
});

export type RegistryEntry = z.output<typeof registryEntry>;
