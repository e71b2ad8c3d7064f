/**
 * A plan's `history:`: after each completed backup, the snapshot's API objects (and the node
 * files named here) are committed to a git working tree and tagged YYMMDD-HHMM
 * (docs/history.md). Secrets are referred to by file, like everywhere in strata.yaml.
 */
import { z } from 'zod';
import { duration, filePath, nonEmptyStrings, secretFile } from './fields.ts';
import { timeZone } from './keep.ts';

export const historyRemoteSchema = z.strictObject({
  /** ssh://git@host/path.git (or git@host:path.git) or https://host/path.git. */
  url: z.string({ error: 'expected a git URL (ssh://… or https://…)' }).min(1, { error: 'expected a git URL (ssh://… or https://…)' }),
  branch: z.string().min(1).default('main'),
  /** SSH: the private key, and the server's host key pinned (known_hosts or one "ssh-ed25519 AAAA…" line). */
  identityFile: secretFile().optional(),
  knownHostsFile: filePath().optional(),
  /** HTTPS: a token (sent as Basic authorization with `username`), and a CA bundle for a private CA. */
  tokenFile: secretFile().optional(),
  username: z.string().min(1).default('strata'),
  caFile: filePath().optional(),
  timeout: duration().default('5m'),
});

export const historySchema = z.strictObject({
  /** The git working tree (made, 0700, on the first export). */
  path: filePath(),
  /** Tags are the snapshot's minute on this zone's wall clock; the plan's schedule zone (or UTC) when absent. */
  timeZone: timeZone().optional(),
  /** Node files from the snapshot's files source to commit too (absolute paths or patterns, `**` allowed). */
  files: nonEmptyStrings('a path or pattern such as /etc/kubernetes/manifests/**').default([]),
  sensitive: z
    .strictObject({
      /** ConfigMap data keys written as digests (patterns such as "*password*"). */
      configMapKeys: nonEmptyStrings('a key pattern such as "*password*"').default([]),
      /** Node files written as one digest line (patterns). */
      files: nonEmptyStrings('a path or pattern').default([]),
    })
    .default({ configMapKeys: [], files: [] }),
  remote: historyRemoteSchema.optional(),
});

export type HistoryConfig = z.output<typeof historySchema>;
export type HistoryRemoteConfig = z.output<typeof historyRemoteSchema>;
