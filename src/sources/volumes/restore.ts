/**
 * `strata restore ID --volumes`, by how each volume was backed up: an RBD image into a new
 * image (NAME-restored-SNAPSHOT, in the same pool or --target-pool), verified by SHA-256
 * read back from Ceph, optionally bound to a new static PV/PVC, or in place; a CSI
 * VolumeSnapshot as a new claim made from it; files into a claim's directory. In place,
 * what uses the claim is stopped first and started again after. One failure does not stop
 * the others.
 */
import { UsageError } from '../../core/errors.ts';
import { formatBytes } from '../../core/format.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { restoreImage, restoreImageInPlace } from './rbd/image-restore.ts';
import { imageSpec, type RbdRunner } from './rbd/runner.ts';
import { quiesceClaim } from './quiesce.ts';
import { claimDirectory } from './directory-restore.ts';
import type { FileTrees, PlannedRestore, RestoreContext } from '../source.ts';
import { restoreProgressText } from './restore-progress.ts';
import { createStaticClaim } from './static-claim.ts';
import { claimFromSnapshot } from './claim-from-snapshot.ts';
import type { RestoredClaim } from './claims.ts';
import { VOLUMES_DIR, volumeNode } from './layout.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { requireVolumesRecord, type VolumeEntry, type VolumesRecord } from './record.ts';

export interface VolumesRestoreOptions {
  readonly rbd: RbdRunner;
  /** Only these claims ("namespace/name"); all when empty. */
  readonly claims: readonly string[];
  readonly targetPool?: string;
  /** Appended to each image name (default: -restored-<snapshot id prefix>). */
  readonly suffix?: string;
  /** Over the image the claim used, after stopping its workloads (waiting up to waitMs for their pods). */
  readonly inPlace?: { readonly waitMs: number };
  /** A static PV and PVC (named like the claim, with the suffix) bound to each new image. */
  readonly createClaims?: boolean;
  /** The cluster, for --in-place, --create-pvc, CSI snapshots (claims are made from them) and file-level backups (their target claims). */
  readonly http?: KubeHttp;
  /** File-level backups: the claim to write into (else, with inPlace, the one they came from). */
  readonly intoClaim?: { readonly namespace: string; readonly name: string };
  /** Where the node's root file system is, for node directories. */
  readonly hostRoot?: string;
}

/** What one volume's restore needs besides the options: the restore's progress and the file-tree restorer. */
interface VolumeRestoreRun extends VolumesRestoreOptions {
  /** Updated as images are fed to Ceph, for a progress display. */
  readonly progress: VolumesRestoreProgress;
  /** Writes node directories backed up as files (the `files` source's restorer, lent by the registry). */
  readonly fileTrees: FileTrees;
}

export interface VolumesRestoreProgress {
  claim: string;
  bytes: number;
  total: number;
}

export interface VolumeRestoreResult {
  readonly claim: string;
  readonly source: string;
  readonly image?: string;
  readonly bytes?: number;
  readonly sha256?: string;
  /** In place: the Ceph snapshot of what the image held before, and what was stopped meanwhile. */
  readonly safetySnapshot?: string;
  readonly stopped?: readonly string[];
  /** The claim bound to the restored data: a static PV/PVC for an image, a claim from the VolumeSnapshot for CSI. */
  readonly restoredClaim?: RestoredClaim;
  /** File-level: the claim written into, and what was written. */
  readonly restoredInto?: string;
  readonly files?: number;
  readonly error?: string;
}

const selected = (record: VolumesRecord, claims: readonly string[]): VolumeEntry[] =>
  record.volumes.filter((v) => (v.rbd !== undefined || v.csi !== undefined || v.files !== undefined) && (claims.length === 0 || claims.includes(`${v.namespace}/${v.claim}`)));

/** What restoring one volume will do, as the plan prints it. */
function plannedLine(snapshot: StoredSnapshot, volume: VolumeEntry, options: VolumesRestoreOptions): string {
  const claim = `${volume.namespace}/${volume.claim}`;
  const suffix = suffixOf(snapshot, options);
  if (volume.csi !== undefined) return `${claim}: ${sourceOf(volume)} → new PersistentVolumeClaim ${volume.namespace}/${volume.claim}${suffix} made from it`;
  if (volume.files !== undefined) {
    const into = options.intoClaim ?? (options.inPlace !== undefined ? { namespace: volume.namespace, name: volume.claim } : undefined);
    return `${claim}: ${sourceOf(volume)} → ${into === undefined ? 'nowhere: give --into-pvc NS/NAME or --in-place' : `the directory of PersistentVolumeClaim ${into.namespace}/${into.name}${options.inPlace !== undefined ? ', its workloads stopped meanwhile' : ''}`}`;
  }
  const image = volume.rbd!;
  if (options.inPlace !== undefined) return `${claim}: ${sourceOf(volume)} → over ${imageSpec(image)} in place, its workloads stopped and a Ceph snapshot strata-pre-restore-<time> taken first`;
  const target = imageSpec({ pool: options.targetPool ?? image.pool, ...(image.radosNamespace !== undefined && { radosNamespace: image.radosNamespace }), image: `${image.image}${suffix}` });
  return `${claim}: ${sourceOf(volume)} → new image ${target} (${formatBytes(image.size)}), verified by SHA-256${options.createClaims === true ? `, bound to a new PersistentVolumeClaim ${volume.namespace}/${volume.claim}${suffix}` : ''}`;
}

function resultLine(r: VolumeRestoreResult): string {
  if (r.error !== undefined) return `${r.claim}: ${r.source}: failed`;
  if (r.restoredInto !== undefined) return `${r.claim}: ${r.source} → PersistentVolumeClaim ${r.restoredInto} (${r.files ?? 0} files, ${formatBytes(r.bytes ?? 0)})${r.stopped === undefined ? '' : `; stopped and started again: ${r.stopped.join(', ') || 'nothing'}`}`;
  if (r.image === undefined) return `${r.claim}: ${r.source} → PersistentVolumeClaim ${r.restoredClaim?.claim ?? '?'} (PersistentVolume ${r.restoredClaim?.volume ?? '?'}, ${r.restoredClaim?.phase ?? '?'})`;
  const parts = [`${r.claim}: ${r.source} → ${r.image} (${formatBytes(r.bytes ?? 0)}, sha256 ${r.sha256!.slice(0, 16)}… verified)`];
  if (r.safetySnapshot !== undefined) parts.push(`  before: ${r.image}@${r.safetySnapshot}; stopped and started again: ${r.stopped?.join(', ') || 'nothing'}`);
  if (r.restoredClaim !== undefined) parts.push(`  bound to PersistentVolumeClaim ${r.restoredClaim.claim} (PersistentVolume ${r.restoredClaim.volume})`);
  return parts.join('\n');
}

export async function planVolumesRestore(context: RestoreContext, options: VolumesRestoreOptions): Promise<PlannedRestore> {
  const { repository, snapshot } = context;
  const record = requireVolumesRecord(snapshot);
  const stored = selected(record, []);
  for (const claim of new Set(options.claims)) {
    if (!stored.some((v) => `${v.namespace}/${v.claim}` === claim)) throw new UsageError(`--pvc ${claim}: snapshot ${snapshot.id.slice(0, 8)} holds no backup of it`, { hint: `it holds: ${stored.map((v) => `${v.namespace}/${v.claim}`).join(', ') || 'none'}` });
  }
  const volumes = selected(record, options.claims);
  const plan = volumes.map((v) => plannedLine(snapshot, v, options));
  return {
    text: plan.join('\n'),
    json: { snapshot: snapshot.id, dryRun: 'client', volumes: plan },
    async apply() {
      const progress = { claim: '', bytes: 0, total: 0 };
      let claim = '';
      let started = 0;
      context.progress((elapsedMs) => {
        if (progress.claim !== claim) [claim, started] = [progress.claim, elapsedMs];
        return restoreProgressText(progress, elapsedMs - started);
      });
      const results: VolumeRestoreResult[] = [];
      for (const volume of volumes) {
        const claim = `${volume.namespace}/${volume.claim}`;
        const source = sourceOf(volume);
        const restore = volume.csi !== undefined ? restoreSnapshotClaim : volume.files !== undefined ? restoreFiles : restoreRbd;
        try {
          results.push({ claim, source, ...(await restore(repository, snapshot, volume, { ...options, progress, fileTrees: context.fileTrees })) });
        } catch (error) {
          results.push({ claim, source, error: (error as Error).message });
        }
      }
      const failed = results.filter((r) => r.error !== undefined);
      return {
        lines: results.map(resultLine),
        json: { snapshot: snapshot.id, volumes: results },
        warnings: [],
        errors: failed.map((r) => `${r.claim}: ${r.error}`),
        ...(failed.length > 0 && { failure: { message: `${failed.length} of ${results.length} image(s) could not be restored`, hint: 'see the errors above; the others are restored' } }),
      };
    },
  };
}

type Restored = Omit<VolumeRestoreResult, 'claim' | 'source'>;

function sourceOf(volume: VolumeEntry): string {
  if (volume.csi !== undefined) return `VolumeSnapshot ${volume.csi.namespace}/${volume.csi.name}`;
  if (volume.files !== undefined) return `directory ${volume.files.path}${volume.files.node === undefined ? '' : ` on ${volume.files.node}`}`;
  return imageSpec(volume.rbd!, volume.rbd!.snapshot);
}

const suffixOf = (snapshot: StoredSnapshot, options: VolumesRestoreOptions) => options.suffix ?? `-restored-${snapshot.id.slice(0, 8)}`;
const labelsOf = (snapshot: StoredSnapshot) => ({ 'strata.dev/restored-from': snapshot.id.slice(0, 8) });

async function storedNode(repository: Repository, snapshot: StoredSnapshot, volume: VolumeEntry): Promise<TreeNode> {
  const node = await volumeNode(repository, snapshot.tree, volume.namespace, volume.claim);
  if (node === undefined) throw new Error(`the snapshot's tree has no ${VOLUMES_DIR}/${volume.namespace}/${volume.claim}`);
  return node;
}

/** A CSI VolumeSnapshot: a new claim made from it. */
async function restoreSnapshotClaim(_repository: Repository, snapshot: StoredSnapshot, volume: VolumeEntry, options: VolumeRestoreRun): Promise<Restored> {
  if (options.inPlace !== undefined) throw new UsageError('a CSI snapshot restores into a new claim, not in place', { hint: 'restore without --in-place and point the workload at the new claim' });
  if (options.http === undefined) throw new UsageError('restoring a CSI snapshot creates a claim: give --kubeconfig for the cluster');
  return { restoredClaim: await claimFromSnapshot(options.http, volume, `${volume.claim}${suffixOf(snapshot, options)}`, labelsOf(snapshot)) };
}

/** A node directory backed up as files: into --into-pvc, or in place with its workloads stopped. */
async function restoreFiles(repository: Repository, snapshot: StoredSnapshot, volume: VolumeEntry, options: VolumeRestoreRun): Promise<Restored> {
  const claim = `${volume.namespace}/${volume.claim}`;
  if (options.http === undefined) throw new UsageError('restoring a file-level backup writes into a claim: give --kubeconfig for the cluster');
  const into = options.intoClaim ?? (options.inPlace !== undefined ? { namespace: volume.namespace, name: volume.claim } : undefined);
  if (into === undefined) throw new UsageError(`${claim} was backed up as files: give --into-pvc NS/NAME, or --in-place to write into ${claim}`);
  const target = await claimDirectory(options.http, into, options.hostRoot ?? '/', options.intoClaim !== undefined ? '--into-pvc' : '--in-place');
  const node = await storedNode(repository, snapshot, volume);
  const stop = options.inPlace !== undefined ? await quiesceClaim(options.http, into.namespace, into.name, { timeoutMs: options.inPlace.waitMs }) : undefined;
  let restored;
  try {
    if (node.subtree === undefined) throw new Error('the stored volume is not a directory');
    restored = await options.fileTrees.restoreTree(repository, node.subtree, target, []);
  } finally {
    await stop?.resume();
  }
  if (restored.errors.length > 0) throw new Error(`${restored.errors.length} item(s) not restored: ${restored.errors.slice(0, 3).join('; ')}`);
  return { restoredInto: `${into.namespace}/${into.name}`, files: restored.progress.files, bytes: restored.progress.bytes, ...(stop !== undefined && { stopped: stop.stopped }) };
}

/** An RBD image: into a new image (optionally bound to a static PV/PVC), or in place. */
async function restoreRbd(repository: Repository, snapshot: StoredSnapshot, volume: VolumeEntry, options: VolumeRestoreRun): Promise<Restored> {
  const image = volume.rbd!;
  const progress = options.progress;
  Object.assign(progress, { claim: `${volume.namespace}/${volume.claim}`, bytes: 0, total: image.size });
  const onBytes = (bytes: number) => (progress.bytes = bytes);
  const node = await storedNode(repository, snapshot, volume);
  if (options.inPlace !== undefined) {
    if (options.http === undefined) throw new UsageError('--in-place stops the claim\'s workloads: give --kubeconfig for the cluster');
    const quiesced = await quiesceClaim(options.http, volume.namespace, volume.claim, { timeoutMs: options.inPlace.waitMs });
    try {
      return { ...(await restoreImageInPlace(repository, options.rbd, node, image, onBytes)), stopped: quiesced.stopped };
    } finally {
      await quiesced.resume();
    }
  }
  const suffix = suffixOf(snapshot, options);
  const target = { pool: options.targetPool ?? image.pool, ...(image.radosNamespace !== undefined && { radosNamespace: image.radosNamespace }), image: `${image.image}${suffix}` };
  const restored = await restoreImage(repository, options.rbd, node, target, onBytes);
  const restoredClaim = options.createClaims === true && options.http !== undefined ? await createStaticClaim(options.http, volume, target, `${volume.claim}${suffix}`, labelsOf(snapshot)) : undefined;
  return { ...restored, ...(restoredClaim !== undefined && { restoredClaim }) };
}
