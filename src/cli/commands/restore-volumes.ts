/** The `--volumes` half of `strata restore`: RBD images into new images (or in place), one line each. */
import { Duration } from '../../core/duration.ts';
import { PartialFailure, UsageError } from '../../core/errors.ts';
import { restoreVolumes, type VolumeRestoreResult } from '../../sources/volumes/restore.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { formatBytes, progressLine, volumeRestoreProgressText } from '../progress.ts';
import { needsCluster, rbdRunner, type CephFlags } from '../volume-options.ts';
import { services } from '../../sources/registry.ts';
import { requireVolumesRecord } from '../../sources/volumes/record.ts';
import { parseClaim } from '../../core/volumes/selection.ts';

export interface VolumesRestoreFlags extends CephFlags {
  readonly volumes: boolean;
  readonly pvc: string[];
  readonly targetPool?: string;
  readonly imageSuffix?: string;
  readonly inPlace: boolean;
  readonly createPvc: boolean;
  readonly wait: string;
  readonly intoPvc?: string;
  readonly hostRoot: string;
}

/** Flags that contradict each other are refused before the repository is opened. */
export function checkVolumesRestoreFlags(flags: VolumesRestoreFlags): void {
  if (flags.inPlace && (flags.targetPool !== undefined || flags.imageSuffix !== undefined || flags.createPvc)) {
    throw new UsageError('--in-place writes over the image each claim used: --target-pool, --image-suffix and --create-pvc are for new images', { hint: 'drop one side' });
  }
  if (flags.intoPvc !== undefined && (flags.inPlace || flags.pvc.length !== 1)) throw new UsageError('--into-pvc writes one file-level backup into another claim: name exactly one --pvc, without --in-place');
  if (flags.inPlace && flags.pvc.length === 0) throw new UsageError('--in-place needs the claims named with --pvc ns/name', { hint: 'overwriting every volume of a snapshot at once is too easy to do by mistake' });
  if (Duration.parse(flags.wait) === undefined) throw new UsageError(`--wait ${flags.wait}: expected a duration such as 90s or 5m`);
}

function describe(r: VolumeRestoreResult): string {
  if (r.error !== undefined) return `${r.claim}: ${r.source}: failed`;
  if (r.restoredInto !== undefined) return `${r.claim}: ${r.source} → PersistentVolumeClaim ${r.restoredInto} (${r.files ?? 0} files, ${formatBytes(r.bytes ?? 0)})${r.stopped === undefined ? '' : `; stopped and started again: ${r.stopped.join(', ') || 'nothing'}`}`;
  if (r.image === undefined) return `${r.claim}: ${r.source} → PersistentVolumeClaim ${r.restoredClaim?.claim ?? '?'} (PersistentVolume ${r.restoredClaim?.volume ?? '?'}, ${r.restoredClaim?.phase ?? '?'})`;
  const parts = [`${r.claim}: ${r.source} → ${r.image} (${formatBytes(r.bytes ?? 0)}, sha256 ${r.sha256!.slice(0, 16)}… verified)`];
  if (r.safetySnapshot !== undefined) parts.push(`  before: ${r.image}@${r.safetySnapshot}; stopped and started again: ${r.stopped?.join(', ') || 'nothing'}`);
  if (r.restoredClaim !== undefined) parts.push(`  bound to PersistentVolumeClaim ${r.restoredClaim.claim} (PersistentVolume ${r.restoredClaim.volume})`);
  return parts.join('\n');
}

export async function restoreVolumesCommand(repository: Repository, snapshot: StoredSnapshot, flags: VolumesRestoreFlags, global: GlobalOptions): Promise<void> {
  const csi = requireVolumesRecord(snapshot).volumes.some((v) => (v.csi !== undefined || v.files !== undefined) && (flags.pvc.length === 0 || flags.pvc.includes(`${v.namespace}/${v.claim}`)));
  const http = flags.inPlace || flags.createPvc || csi || needsCluster(flags) ? new KubeHttp(await connect(global)) : undefined;
  const progress = { claim: '', bytes: 0, total: 0 };
  const line = progressLine(global.progress && !global.json);
  let started = Date.now();
  let claim = '';
  const ticker = setInterval(() => {
    if (progress.claim !== claim) [claim, started] = [progress.claim, Date.now()];
    if (claim !== '') line.update(volumeRestoreProgressText(progress, Date.now() - started));
  }, 250);
  const results = await restoreVolumes(repository, snapshot, {
    progress,
    rbd: rbdRunner(flags, http),
    claims: flags.pvc,
    ...(flags.targetPool !== undefined && { targetPool: flags.targetPool }),
    ...(flags.imageSuffix !== undefined && { suffix: flags.imageSuffix }),
    ...(http !== undefined && { http }),
    ...(flags.inPlace && { inPlace: { waitMs: Duration.parse(flags.wait)!.milliseconds } }),
    createClaims: flags.createPvc,
    fileTrees: services.fileTrees,
    hostRoot: flags.hostRoot,
    ...(flags.intoPvc !== undefined && { intoClaim: parseClaim(flags.intoPvc, '--into-pvc') }),
  }).finally(() => {
    clearInterval(ticker);
    line.done();
    http?.close();
  });
  if (global.json) printJson({ snapshot: snapshot.id, volumes: results });
  else for (const r of results) printLine(describe(r));
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of failed) printError(`error: ${r.claim}: ${r.error}`);
  if (failed.length > 0) throw new PartialFailure(`${failed.length} of ${results.length} image(s) could not be restored`, { hint: 'see the errors above; the others are restored' });
}
