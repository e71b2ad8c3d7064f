/** The `--volumes` half of `strata restore`: RBD images into new images, one line each. */
import { PartialFailure } from '../../core/errors.ts';
import { restoreVolumes } from '../../engine/volumes/restore.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { formatBytes } from '../progress.ts';
import { localRbd, type CephFlags } from '../volume-options.ts';

export interface VolumesRestoreFlags extends CephFlags {
  readonly volumes: boolean;
  readonly pvc: string[];
  readonly targetPool?: string;
  readonly imageSuffix?: string;
}

export async function restoreVolumesCommand(repository: Repository, snapshot: StoredSnapshot, flags: VolumesRestoreFlags, global: GlobalOptions): Promise<void> {
  const results = await restoreVolumes(repository, snapshot, {
    rbd: localRbd(flags),
    claims: flags.pvc,
    ...(flags.targetPool !== undefined && { targetPool: flags.targetPool }),
    ...(flags.imageSuffix !== undefined && { suffix: flags.imageSuffix }),
  });
  if (global.json) printJson({ snapshot: snapshot.id, volumes: results });
  else for (const r of results) printLine(r.error === undefined ? `${r.claim}: ${r.source} → ${r.image} (${formatBytes(r.bytes ?? 0)}, sha256 ${r.sha256!.slice(0, 16)}… verified)` : `${r.claim}: ${r.source}: failed`);
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of failed) printError(`error: ${r.claim}: ${r.error}`);
  if (failed.length > 0) throw new PartialFailure(`${failed.length} of ${results.length} image(s) could not be restored`, { hint: 'see the errors above; the others are restored' });
}
