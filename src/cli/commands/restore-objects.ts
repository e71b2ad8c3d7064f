/** The `--objects` flags of `strata restore`, as the objects source's restore options. */
import { UsageError } from '../../core/errors.ts';
import { NO_MAPPINGS, parseMapping } from '../../core/objects/mapping.ts';
import type { ObjectsRestoreOptions } from '../../sources/objects/restore.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import type { ExistingPolicy } from '../../sources/objects/apply.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { RestoreSelection } from '../../engine/restore.ts';
import { objectFilters, type ObjectFilterFlags } from '../object-options.ts';

export interface ObjectsRestoreFlags extends ObjectFilterFlags {
  readonly existing: string;
  readonly dryRun?: string | boolean;
  readonly namespaceMapping: string[];
  readonly storageClassMapping: string[];
  readonly preserveClusterIps: boolean;
  readonly includeStatus: boolean;
  readonly restoreNodeMetadata: boolean;
  readonly parallel: string;
}

const EXISTING: readonly ExistingPolicy[] = ['skip', 'update', 'fail'];

export function dryRunMode(value: string | boolean | undefined): 'client' | 'server' | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || value === 'client') return 'client';
  if (value === 'server') return 'server';
  throw new UsageError(`--dry-run=${String(value)}: expected --dry-run (print the plan) or --dry-run=server`);
}

/** The objects restore the flags ask for; `close` releases its connection. */
export async function objectsSelection(flags: ObjectsRestoreFlags, global: GlobalOptions): Promise<RestoreSelection & { close(): void }> {
  if (!EXISTING.includes(flags.existing as ExistingPolicy)) throw new UsageError(`--existing ${flags.existing}: expected skip, update or fail`);
  const concurrency = Number(flags.parallel);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError(`--parallel ${flags.parallel}: expected a whole number from 1 to 256`);
  const filters = objectFilters(flags);
  const mappings = {
    namespaces: flags.namespaceMapping.length === 0 ? NO_MAPPINGS.namespaces : parseMapping('--namespace-mapping', flags.namespaceMapping),
    storageClasses: flags.storageClassMapping.length === 0 ? NO_MAPPINGS.storageClasses : parseMapping('--storage-class-mapping', flags.storageClassMapping),
  };
  const http = new KubeHttp(await connect(global), { maxSockets: concurrency });
  const options: ObjectsRestoreOptions = {
    http,
    filters: { ...filters, clusterScoped: flags.clusterScoped ?? 'auto' },
    mappings,
    keepStatus: flags.includeStatus,
    preserveClusterIps: flags.preserveClusterIps,
    restoreNodeMetadata: flags.restoreNodeMetadata,
    serverDryRun: dryRunMode(flags.dryRun) === 'server',
    apply: { existing: flags.existing as ExistingPolicy, concurrency },
  };
  return { type: 'objects', options, close: () => http.close() };
}
