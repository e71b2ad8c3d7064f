/** The `--objects` half of `strata restore`: plan, print or apply, report per object. */
import { PartialFailure, UsageError } from '../../core/errors.ts';
import { NO_MAPPINGS, parseMapping } from '../../core/objects/mapping.ts';
import { renderPlan } from '../../core/objects/plan.ts';
import { restoreObjects, type ApplyProgress, type ObjectsRestoreOutcome } from '../../sources/objects/restore.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { ExistingPolicy, ItemAction } from '../../sources/objects/apply.ts';
import type { GlobalOptions } from '../global-options.ts';
import { objectFilters, type ObjectFilterFlags } from '../object-options.ts';
import { printJson, printLine } from '../output.ts';
import { progressLine } from '../progress.ts';

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

function dryRunMode(value: string | boolean | undefined): 'client' | 'server' | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || value === 'client') return 'client';
  if (value === 'server') return 'server';
  throw new UsageError(`--dry-run=${String(value)}: expected --dry-run (print the plan) or --dry-run=server`);
}

export async function restoreObjectsCommand(repository: Repository, snapshot: StoredSnapshot, flags: ObjectsRestoreFlags, global: GlobalOptions): Promise<void> {
  if (!EXISTING.includes(flags.existing as ExistingPolicy)) throw new UsageError(`--existing ${flags.existing}: expected skip, update or fail`);
  const concurrency = Number(flags.parallel);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError(`--parallel ${flags.parallel}: expected a whole number from 1 to 256`);
  const dryRun = dryRunMode(flags.dryRun);
  const filters = objectFilters(flags);
  const mappings = {
    namespaces: flags.namespaceMapping.length === 0 ? NO_MAPPINGS.namespaces : parseMapping('--namespace-mapping', flags.namespaceMapping),
    storageClasses: flags.storageClassMapping.length === 0 ? NO_MAPPINGS.storageClasses : parseMapping('--storage-class-mapping', flags.storageClassMapping),
  };
  const http = new KubeHttp(await connect(global), { maxSockets: concurrency });
  const line = progressLine(global.progress && !global.json);
  const started = Date.now();
  let ticker: NodeJS.Timeout | undefined;
  let outcome: ObjectsRestoreOutcome;
  try {
    outcome = await restoreObjects(repository, snapshot, {
      http,
      filters: { ...filters, clusterScoped: flags.clusterScoped ?? 'auto' },
      mappings,
      keepStatus: flags.includeStatus,
      preserveClusterIps: flags.preserveClusterIps,
      restoreNodeMetadata: flags.restoreNodeMetadata,
      ...(dryRun !== undefined && { dryRun }),
      apply: { existing: flags.existing as ExistingPolicy, concurrency },
      onPlanned: (_plan, applier) => {
        if (applier !== undefined) ticker = setInterval(() => line.update(applyProgressText(applier.progress, Date.now() - started)), 250);
      },
    });
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    line.done();
    http.close();
  }
  report(outcome, snapshot, dryRun, started, global);
}

function report(outcome: ObjectsRestoreOutcome, snapshot: StoredSnapshot, dryRun: 'client' | 'server' | undefined, started: number, global: GlobalOptions): void {
  const { plan, results } = outcome;
  if (results === undefined) {
    if (global.json) printJson({ snapshot: snapshot.id, dryRun: 'client', plan });
    else printLine(renderPlan(plan));
    return;
  }
  const counts: Record<ItemAction, number> = { created: 0, updated: 0, unchanged: 0, rebound: 0, skipped: 0, failed: 0 };
  for (const r of results) counts[r.action]++;
  const seconds = (Date.now() - started) / 1000;
  if (global.json) {
    printJson({ snapshot: snapshot.id, dryRun: dryRun ?? false, result: counts.failed > 0 ? 'partially-failed' : 'completed', counts, excluded: plan.excluded, leftToTarget: plan.leftToTarget, seconds, items: results });
  } else {
    const verb = dryRun === 'server' ? 'server dry-run of' : 'restored';
    printLine(`${verb} snapshot ${snapshot.id.slice(0, 8)}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.rebound} rebound, ${counts.skipped} skipped, ${counts.failed} failed in ${seconds.toFixed(1)}s${dryRun === 'server' ? ' (nothing was changed)' : ''}`);
    for (const r of results) if (r.action === 'skipped' || r.action === 'failed' || r.action === 'rebound' || (dryRun === 'server' && r.action === 'updated')) printLine(`  ${r.action.padEnd(8)} ${r.key}: ${r.reason ?? ''}`);
    for (const [reason, count] of Object.entries(plan.excluded).sort()) printLine(`  not restored: ${count} (${reason})`);
    if (plan.leftToTarget.length > 0) printLine(`  left to the target: ${plan.leftToTarget.map((l) => l.key).join(', ')}`);
  }
  if (counts.failed > 0) throw new PartialFailure(`${counts.failed} object(s) could not be restored`, { hint: 'see the reasons above; `--dry-run=server` checks a target without changing it' });
}

function applyProgressText(p: ApplyProgress, elapsedMs: number): string {
  const rate = p.done / Math.max(elapsedMs / 1000, 0.001);
  return `[${Math.round(elapsedMs / 1000)}s] ${p.stage}: ${p.done} of ${p.total} objects, ${p.failed} failed, ${rate.toFixed(0)} objects/s`;
}
