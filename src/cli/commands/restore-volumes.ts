/** The `--volumes` flags of `strata restore`, as the volumes source's restore options. */
import { Duration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import type { VolumesRestoreOptions } from '../../sources/volumes/restore.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { RestoreSelection } from '../../engine/restore.ts';
import { needsCluster, rbdRunner, type CephFlags } from '../volume-options.ts';
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

/** The volumes restore the flags ask for; `close` releases the connection it may hold. */
export async function volumesSelection(snapshot: StoredSnapshot, flags: VolumesRestoreFlags, global: GlobalOptions): Promise<RestoreSelection & { close(): void }> {
  const csi = requireVolumesRecord(snapshot).volumes.some((v) => (v.csi !== undefined || v.files !== undefined) && (flags.pvc.length === 0 || flags.pvc.includes(`${v.namespace}/${v.claim}`)));
  const http = flags.inPlace || flags.createPvc || csi || needsCluster(flags) ? new KubeHttp(await connect(global)) : undefined;
  const options: VolumesRestoreOptions = {
    rbd: rbdRunner(flags, http),
    claims: flags.pvc,
    ...(flags.targetPool !== undefined && { targetPool: flags.targetPool }),
    ...(flags.imageSuffix !== undefined && { suffix: flags.imageSuffix }),
    ...(http !== undefined && { http }),
    ...(flags.inPlace && { inPlace: { waitMs: Duration.parse(flags.wait)!.milliseconds } }),
    createClaims: flags.createPvc,
    hostRoot: flags.hostRoot,
    ...(flags.intoPvc !== undefined && { intoClaim: parseClaim(flags.intoPvc, '--into-pvc') }),
  };
  return { type: 'volumes', options, close: () => http?.close() };
}
