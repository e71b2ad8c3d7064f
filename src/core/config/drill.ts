/**
 * A plan's `drill:` (docs/drills.md): when its newest backup is restored into scratch targets
 * and checked, what is scratch (a namespace suffix, a work directory), how long restored
 * workloads may take to become ready, and the plan's own checks of the restored copy.
 */
import { z } from 'zod';
import { duration, filePath, nonEmptyStrings } from './fields.ts';
import { scheduleSchema } from './schedule.ts';

/** `namespace/name` of an object the check addresses, in the backed-up namespace (the drill maps it). */
const namespacedName = (what: string) =>
  z.string({ error: `expected ${what} as NAMESPACE/NAME` }).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: `expected ${what} as NAMESPACE/NAME` });

const regex = (what: string) =>
  z.string({ error: `expected a regular expression the ${what} must contain a match of` }).refine((text) => {
    try {
      new RegExp(text);
      return true;
    } catch {
      return false;
    }
  }, { error: 'expected a valid regular expression' });

const checkSchema = z
  .strictObject({
    /** How the report names it ("web answers"). */
    name: z.string({ error: 'expected a name for the check' }).min(1),
    /** An HTTP GET to a restored Service, through the API server's service proxy. */
    http: z
      .strictObject({
        service: namespacedName('a Service'),
        port: z.union([z.int().min(1).max(65535), z.string().min(1)], { error: 'expected a port number or name' }),
        path: z.string().startsWith('/', { error: 'expected a path starting with /' }).default('/'),
        scheme: z.enum(['http', 'https'], { error: 'expected http or https' }).default('http'),
        status: z.int({ error: 'expected an HTTP status code' }).min(100).max(599).default(200),
        body: regex('response body').optional(),
      })
      .optional(),
    /** A command in a restored pod, through the exec API. */
    exec: z
      .strictObject({
        /** A pod by name, or the first running pod (by name) the selector matches, in the scratch copy of this namespace. */
        namespace: z.string({ error: 'expected a namespace' }).min(1),
        pod: z.string().min(1).optional(),
        selector: z.string().min(1).optional(),
        container: z.string().min(1).optional(),
        command: nonEmptyStrings('a command argument').min(1, { error: 'expected the command and its arguments' }),
        output: regex('output').optional(),
      })
      .refine((e) => (e.pod === undefined) !== (e.selector === undefined), { error: 'expected either pod: or selector: (one of them)' })
      .optional(),
    /** A command on this machine; STRATA_DRILL_SUFFIX and STRATA_DRILL_NAMESPACES tell it where the copy is. */
    command: z
      .strictObject({
        command: nonEmptyStrings('a command argument').min(1, { error: 'expected the command and its arguments' }),
        output: regex('output').optional(),
      })
      .optional(),
    timeout: duration().default('1m'),
  })
  .refine((c) => [c.http, c.exec, c.command].filter((x) => x !== undefined).length === 1, { error: 'expected exactly one of http:, exec: or command:' });

export const drillSchema = z.strictObject({
  /** When `strata serve` drills the plan (monthly in seed 004). */
  schedule: scheduleSchema.optional(),
  /** Appended to each namespace for its scratch copy; a namespace of that name that no drill made is never touched. */
  suffix: z.string({ error: 'expected a suffix such as -restore' }).regex(/^-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'expected a suffix such as -restore (a "-" then lowercase letters, digits and "-")' }).max(20).default('-restore'),
  /** Namespaces to drill (globs); default: every namespace of the snapshot except the system ones. */
  namespaces: z.array(z.string().min(1)).optional(),
  /** Claims of class OLD get class NEW in the copy (a class whose provisioner makes scratch volumes). */
  storageClassMapping: z.record(z.string(), z.string().min(1)).default({}),
  /** How long restored workloads may take to become ready before the drill fails. */
  timeout: duration().default('10m'),
  /** Where scratch directories go (etcd data, restored files); default: the system's temporary directory. */
  workDir: filePath().optional(),
  /** The binaries the scratch etcd is built and run with (default: $STRATA_ETCDUTL / $STRATA_ETCD, then $PATH). */
  etcd: z.strictObject({ etcd: filePath().optional(), etcdutl: filePath().optional(), sampleKeys: z.int().min(0).max(10_000).default(100) }).default({ sampleKeys: 100 }),
  /** The plan's cluster is not production: `strata drill --in-place` may delete and restore a workload there. */
  nonProduction: z.boolean({ error: 'expected true or false' }).default(false),
  checks: z.array(checkSchema).default([]),
});

export type DrillConfig = z.output<typeof drillSchema>;
export type DrillCheckConfig = DrillConfig['checks'][number];
