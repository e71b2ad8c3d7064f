/**
 * The schema of strata.yaml. Unknown keys are errors (a misspelt `retension:` must not be
 * silently ignored), secrets are only ever referenced by file, and every field has the
 * default an SRE would expect, so `strata config check` can print the normalised result.
 */
import { z } from 'zod';
import { duration, filePath, name, nonEmptyStrings, secretFile } from './fields.ts';
import { drillSchema } from './drill.ts';
import { scheduleSchema } from './schedule.ts';
import { historySchema } from './history.ts';
import { keepSchema } from './keep.ts';

const tlsSchema = z.strictObject({
  /** CA bundle that signed the server certificates. */
  caFile: filePath().optional(),
  /** Client certificate and key (kubeadm: /etc/kubernetes/pki/etcd/healthcheck-client.*). */
  certFile: filePath().optional(),
  keyFile: filePath().optional(),
});

const etcdSchema = z.strictObject({
  endpoints: nonEmptyStrings('an etcd client URL such as https://10.0.0.1:2379').min(1, {
    error: 'expected at least one etcd endpoint',
  }),
  tls: tlsSchema.optional(),
  auth: z
    .strictObject({
      username: z.string({ error: 'expected a user name' }).min(1),
      passwordFile: secretFile(),
    })
    .optional(),
  /** How long one member may take to answer a status call. */
  dialTimeout: duration().default('5s'),
});

const clusterSchema = z.strictObject({
  kubeconfig: filePath().optional(),
  context: z.string().min(1).optional(),
  etcd: etcdSchema.optional(),
});

const repositorySchema = z.strictObject({
  /** A local path (the default; an NFS mount is a local path), s3://bucket/prefix or sftp://user@host/path. */
  url: z.string({ error: 'expected a repository URL or path' }).min(1, { error: 'expected a repository URL or path' }),
  passwordFile: secretFile().optional(),
  s3: z
    .strictObject({
      endpoint: z.url({ error: 'expected an http(s) URL' }).optional(),
      region: z.string().default('us-east-1'),
      /** File with two lines or AWS-style keys; the SDK's usual chain is used when absent. */
      credentialsFile: secretFile().optional(),
      forcePathStyle: z.boolean({ error: 'expected true or false' }).default(true),
    })
    .optional(),
  sftp: z
    .strictObject({
      identityFile: secretFile().optional(),
      /** The server's host key is pinned: a known_hosts file or one "ssh-ed25519 AAAA…" line. */
      knownHostsFile: filePath().optional(),
    })
    .optional(),
});

const retentionSchema = keepSchema.extend({
  /** Snapshots are kept per group of the same values of these (`strata forget --group-by`). */
  groupBy: z.array(z.enum(['plan', 'host', 'sources', 'cluster', 'tags'], { error: 'expected plan, host, sources, cluster or tags' })).default(['plan', 'host', 'sources', 'cluster']),
  /** Prune after a run that forgot snapshots. */
  prune: z.boolean({ error: 'expected true or false' }).default(true),
  /** Unused space a prune leaves, as a percentage (restic's --max-unused). */
  maxUnused: z.number({ error: 'expected a percentage such as 5' }).min(0).max(100).default(5),
});

const hookSchema = z.strictObject({
  command: nonEmptyStrings('a command argument').min(1, { error: 'expected the command and its arguments' }),
  /** Run the command in a pod of the plan's cluster (exec API) instead of on this machine. */
  pod: z
    .strictObject({
      namespace: z.string({ error: 'expected a namespace' }).min(1),
      /** A pod by name, or the first running pod (by name) that the selector matches. */
      name: z.string().min(1).optional(),
      selector: z.string().min(1).optional(),
      container: z.string().min(1).optional(),
    })
    .refine((pod) => (pod.name === undefined) !== (pod.selector === undefined), { error: 'expected either name: or selector: (one of them)' })
    .optional(),
  timeout: duration().default('5m'),
  onError: z.enum(['fail', 'continue'], { error: 'expected "fail" or "continue"' }).default('fail'),
});

/** A plan's `sources:` entry as the engine sees it; each source's own schema gives it its fields. */
export interface SourceEntryConfig {
  readonly type: string;
}

const planSchemaWith = (sources: z.ZodType<SourceEntryConfig>) => z.strictObject({
  cluster: name('cluster').optional(),
  repository: name('repository'),
  sources: z.array(sources, { error: 'expected a list of sources' }).min(1, { error: 'expected at least one source' }),
  schedule: scheduleSchema.optional(),
  retention: retentionSchema.optional(),
  rpo: duration().optional(),
  /** How long a restore of the plan may take: its drills' measured RTO is compared with it. */
  rto: duration().optional(),
  /** Restore drills of the plan's newest backup into scratch targets (docs/drills.md). */
  drill: drillSchema.optional(),
  tags: z.array(z.string()).default([]),
  replication: z.array(z.strictObject({ repository: name('repository') })).default([]),
  /** Configuration history in git, after each completed backup (docs/history.md). */
  history: historySchema.optional(),
  hooks: z
    .strictObject({
      pre: z.array(hookSchema).default([]),
      /** Right after the volumes' snapshots are taken, before their data is read: thaw what pre froze. */
      afterSnapshot: z.array(hookSchema).default([]),
      post: z.array(hookSchema).default([]),
    })
    .optional(),
});

/** The schema of strata.yaml, with the plan entries of the sources given (the registry assembles them). */
export const configSchemaWith = (sources: z.ZodType<SourceEntryConfig>) => z
  .strictObject({
    version: z.literal(1, { error: 'expected 1 (the only configuration version so far)' }).default(1),
    repositories: z.record(name('repository'), repositorySchema).default({}),
    clusters: z.record(name('cluster'), clusterSchema).default({}),
    plans: z.record(name('plan'), planSchemaWith(sources)).default({}),
  })
  .superRefine((config, ctx) => {
    for (const [planName, plan] of Object.entries(config.plans)) {
      if (!(plan.repository in config.repositories)) {
        ctx.addIssue({
          code: 'custom',
          path: ['plans', planName, 'repository'],
          message: `names repository "${plan.repository}", which is not under repositories:`,
        });
      }
      if (plan.cluster !== undefined && !(plan.cluster in config.clusters)) {
        ctx.addIssue({
          code: 'custom',
          path: ['plans', planName, 'cluster'],
          message: `names cluster "${plan.cluster}", which is not under clusters:`,
        });
      }
      plan.replication.forEach((target, index) => {
        if (!(target.repository in config.repositories)) {
          ctx.addIssue({
            code: 'custom',
            path: ['plans', planName, 'replication', index, 'repository'],
            message: `names repository "${target.repository}", which is not under repositories:`,
          });
        }
      });
    }
  });

export type ConfigSchema = ReturnType<typeof configSchemaWith>;
export type Config = z.output<ConfigSchema>;
export type PlanConfig = Config['plans'][string];
export type ClusterConfig = Config['clusters'][string];
export type EtcdConfig = NonNullable<ClusterConfig['etcd']>;
export type RepositoryConfig = Config['repositories'][string];

/** The JSON Schema of strata.yaml, for editors (`strata config schema`). */
export function configJsonSchema(schema: ConfigSchema): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}
