/**
 * The volumes layer of a drill, by how each volume was backed up:
 * - an RBD image into a scratch image beside it (IMAGE-strata-drill-PLAN-ID), read back from
 *   Ceph and its SHA-256 compared with the stored blocks, removed at clean-up; the plan's next
 *   drill removes such images an earlier drill left (found by that name alone);
 * - a node directory into the claim the objects layer restored in the scratch namespace,
 *   then read back against the stored sizes and chunk hashes;
 * - a CSI VolumeSnapshot into a new claim in the scratch namespace, made from a copy of the
 *   snapshot there (a claim sees only snapshots of its own namespace), waited on until Bound.
 *   Its data stays with the driver: a plan check in a restored pod reads it.
 * Volumes are drilled one after another; one that fails does not stop the others.
 */
import { isScratchImage, scratchImageSuffix, scratchNamespace } from '../../core/drill/scratch.ts';
import type { DrillStep } from '../../core/drill/report.ts';
import type { Id } from '../../repository/hash.ts';
import { formatBytes } from '../../core/format.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { drillStep } from '../drill-step.ts';
import type { DrillContext, DrillOutcome } from '../source.ts';
import { claimFromSnapshot } from './claim-from-snapshot.ts';
import { claimsPath, waitBound } from './claims.ts';
import { copyVolumeSnapshot } from './csi/snapshot-copy.ts';
import { volumeSnapshotExists } from './csi/volume-snapshot.ts';
import { claimDirectory } from './directory-restore.ts';
import type { VolumesEntry } from './entry.ts';
import { volumeNode } from './layout.ts';
import { imageExists, restoreImage } from './rbd/image-restore.ts';
import { imageSpec, type RbdRunner } from './rbd/runner.ts';
import { rbdFor } from './rbd/connect.ts';
import { requireVolumesRecord, type VolumeEntry } from './record.ts';

/** Where the drill writes node directories: claims' directories are paths on this node. */
export const HOST_ROOT = '/';

/** Writes a stored directory into `dir` and reads it back against its sizes and chunk hashes; the counts. */
export async function writeAndVerify(context: DrillContext, tree: Id, dir: string): Promise<{ files: number; bytes: number }> {
  const restored = await context.fileTrees.restoreTree(context.repository, tree, dir, []);
  if (restored.errors.length > 0) throw new Error(`${restored.errors.length} item(s) not restored into ${dir}: ${restored.errors.slice(0, 3).join('; ')}`);
  const checked = await context.fileTrees.verifyTree(context.repository, tree, dir);
  if (checked.problem !== undefined) throw new Error(`written into ${dir}, but ${checked.problem}`);
  return checked;
}

export async function drillVolumes(context: DrillContext): Promise<DrillOutcome> {
  const steps: DrillStep[] = [];
  const volumes = requireVolumesRecord(context.snapshot).volumes.filter((v) => v.rbd !== undefined || v.files !== undefined || v.csi !== undefined);
  if (volumes.length === 0) return { detail: 'the snapshot holds no volume data', steps };
  const http = await context.kube();
  const images = volumes.filter((v) => v.rbd !== undefined);
  const rbd = images.length === 0 ? undefined : await rbdFor((context.entry as VolumesEntry | undefined)?.ceph, context.kube);
  if (rbd !== undefined) await drillStep(steps, 'remove scratch images earlier drills left', () => removeLeftoverImages(rbd, images, context));
  let passed = 0;
  for (const volume of volumes) {
    const claim = `${volume.namespace}/${volume.claim}`;
    const drill = volume.rbd !== undefined ? () => drillImage(context, rbd!, volume) : volume.files !== undefined ? () => drillDirectory(context, http, volume) : () => drillSnapshot(context, http, volume);
    if (await drillStep(steps, claim, drill)) passed++;
  }
  return { detail: `${passed} of ${volumes.length} volumes restored and checked`, steps };
}

async function drillImage(context: DrillContext, rbd: RbdRunner, volume: VolumeEntry): Promise<string> {
  const image = volume.rbd!;
  const node = await volumeNode(context.repository, context.snapshot.tree, volume.namespace, volume.claim);
  if (node?.content === undefined) throw new Error(`the snapshot's tree holds no blocks for ${imageSpec(image)}`);
  const target = { pool: image.pool, ...(image.radosNamespace !== undefined && { radosNamespace: image.radosNamespace }), image: `${image.image}${scratchImageSuffix(context.plan, context.scratch.id)}` };
  const spec = imageSpec(target);
  // Registered first: a restore that fails removes its half image itself, and removing a missing one is a no-op.
  context.scratch.made(`image ${spec}`, async () => {
    if (await imageExists(rbd, target)) await rbd.run(['rm', '--no-progress', spec]);
  });
  const restored = await restoreImage(context.repository, rbd, node, target);
  return `${imageSpec(image, image.snapshot)} → ${spec}, ${formatBytes(restored.bytes)}, sha256 ${restored.sha256.slice(0, 16)}… read back from Ceph matches the backup`;
}

async function drillDirectory(context: DrillContext, http: KubeHttp, volume: VolumeEntry): Promise<string> {
  const into = { namespace: scratchNamespace(volume.namespace, context.settings.suffix), name: volume.claim };
  const node = await volumeNode(context.repository, context.snapshot.tree, volume.namespace, volume.claim);
  if (node?.subtree === undefined) throw new Error('the snapshot\'s tree holds no directory for it');
  const exists = (await http.request(claimsPath(into.namespace, into.name))).status === 200;
  if (!exists) throw new Error(`the objects layer restored no claim ${into.namespace}/${into.name} to write it into (is ${volume.namespace} among the plan's objects and drill.namespaces?)`);
  await waitBound(http, into.namespace, into.name, context.timeoutMs);
  const dir = await claimDirectory(http, into, HOST_ROOT, 'drill: scratch claim');
  const checked = await writeAndVerify(context, node.subtree, dir);
  return `${volume.files!.path} → claim ${into.namespace}/${into.name} (${dir}): ${checked.files} files, ${formatBytes(checked.bytes)} match the snapshot`;
}

async function drillSnapshot(context: DrillContext, http: KubeHttp, volume: VolumeEntry): Promise<string> {
  const original = volume.csi!;
  if (!(await volumeSnapshotExists(http, original.namespace, original.name))) throw new Error(`VolumeSnapshot ${original.namespace}/${original.name} no longer exists in this cluster (deleted by retention or by hand)`);
  const namespace = scratchNamespace(volume.namespace, context.settings.suffix);
  await context.scratch.namespace(http, namespace);
  const copy = { namespace, name: original.name, content: `strata-drill-${context.scratch.id}-${original.name}`.slice(0, 253) };
  await copyVolumeSnapshot(http, original, copy, context.scratch.labels, context.timeoutMs);
  const name = `${volume.claim}-from-snapshot`.slice(0, 253);
  const claim = await claimFromSnapshot(http, volume, name, context.scratch.labels, context.timeoutMs, copy);
  return `VolumeSnapshot ${original.namespace}/${original.name} → claim ${claim.claim}, Bound to ${claim.volume} (the data stays with ${original.driver}; a plan check reads it)`;
}


/** Scratch images of the plan's earlier drills in the pools this drill writes to. */
async function removeLeftoverImages(rbd: RbdRunner, images: readonly VolumeEntry[], context: DrillContext): Promise<string> {
  const pools = [...new Set(images.map((v) => `${v.rbd!.pool}${v.rbd!.radosNamespace === undefined ? '' : `/${v.rbd!.radosNamespace}`}`))];
  const removed: string[] = [];
  for (const pool of pools) {
    const names = JSON.parse(await rbd.run(['ls', '--format', 'json', pool])) as string[];
    for (const name of names.filter((n) => isScratchImage(n, context.plan, context.scratch.id))) {
      await rbd.run(['rm', '--no-progress', `${pool}/${name}`]);
      removed.push(`${pool}/${name}`);
    }
  }
  return removed.length === 0 ? `none in ${pools.join(', ')}` : `removed ${removed.join(', ')}`;
}
