/**
 * Where a node directory's backup goes back to: the target claim (another one, or with
 * --in-place the one it came from, its workloads stopped meanwhile) must be a node
 * directory too (hostPath or local), written below HOST_ROOT like the backup read it.
 * Files are written over same-named ones with their metadata; others in it are left.
 */
import { join } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { resolveVolumes } from '../../core/volumes/resolve.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { readInventory } from './inventory.ts';

/** The directory on this node behind a claim, or a usage error that says why there is none. */
export async function claimDirectory(http: KubeHttp, claim: { namespace: string; name: string }, hostRoot: string, what: string): Promise<string> {
  const selection = { claims: [claim] };
  const [volume] = resolveVolumes(await readInventory(http, selection), selection).volumes;
  const label = `${claim.namespace}/${claim.name}`;
  if (volume === undefined) throw new UsageError(`${what} ${label}: no such PersistentVolumeClaim`);
  if (volume.backend.kind !== 'directory') {
    throw new UsageError(`${what} ${label}: its volume is not a node directory (${volume.backend.kind === 'unsupported' ? volume.backend.reason : volume.backend.kind})`, { hint: 'restore file-level backups into a hostPath or local volume\'s claim' });
  }
  return join(hostRoot, volume.backend.path);
}
