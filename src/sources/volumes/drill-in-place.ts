/**
 * The volumes layer of a chaos day with --with-data: the objects layer deleted the workload's
 * claims and restored them with new, empty volumes; here each gets its data back from the
 * snapshot while the workload is stopped (scaled to zero, started again after), then the
 * workload is waited on until it serves again — that moment is the RTO with data.
 * - a node directory: written into the new claim's directory and read back against the
 *   stored sizes and chunk hashes;
 * - an RBD image: written over the new claim's image and verified by SHA-256 (a Ceph
 *   snapshot of the empty image is taken first, as any in-place restore does);
 * - a CSI VolumeSnapshot: the new claim is replaced by one of the same name made from it.
 */
import type { DrillStep } from '../../core/drill/report.ts';
import type { InPlaceTarget } from '../../core/drill/workload.ts';
import { workloadObjects } from '../../core/drill/workload.ts';
import { formatBytes } from '../../core/format.ts';
import { resolveVolumes } from '../../core/volumes/resolve.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { drillStep } from '../drill-step.ts';
import { serving } from '../drill-serving.ts';
import type { DrillContext, DrillOutcome } from '../source.ts';
import { claimFromSnapshot } from './claim-from-snapshot.ts';
import { claimsPath, waitBound } from './claims.ts';
import { claimDirectory } from './directory-restore.ts';
import { HOST_ROOT, writeAndVerify } from './drill.ts';
import type { VolumesEntry } from './entry.ts';
import { readInventory } from './inventory.ts';
import { volumeNode } from './layout.ts';
import { quiesceClaim } from './quiesce.ts';
import { rbdFor } from './rbd/connect.ts';
import { restoreImageInPlace } from './rbd/image-restore.ts';
import { imageSpec } from './rbd/runner.ts';
import { requireVolumesRecord, type VolumeEntry } from './record.ts';

const POLL_MS = 250;

export async function drillVolumesInPlace(context: DrillContext, target: InPlaceTarget): Promise<DrillOutcome> {
  const { workload, withData } = target;
  if (withData === undefined) return { detail: 'the workload keeps its volumes (no --with-data)', steps: [], notDrilled: true };
  const user = `${workload.kind}/${workload.name}`;
  const volumes = requireVolumesRecord(context.snapshot).volumes.filter((v) => v.namespace === workload.namespace && v.workloads.includes(user) && withData.claims.has(`${v.namespace}/${v.claim}`));
  if (volumes.length === 0) return { detail: `the snapshot holds no volume data of ${user}`, steps: [], notDrilled: true };
  const http = await context.kube();
  const steps: DrillStep[] = [];
  let passed = 0;
  for (const volume of volumes) {
    const name = `${volume.namespace}/${volume.claim}`;
    if (await drillStep(steps, name, async () => {
      await waitBound(http, volume.namespace, volume.claim, context.timeoutMs);
      const stopped = await quiesceClaim(http, volume.namespace, volume.claim, { timeoutMs: context.timeoutMs });
      try {
        return await refill(context, http, volume);
      } finally {
        await stopped.resume();
      }
    })) passed++;
  }
  await drillStep(steps, 'wait until it serves', () => serving(http, [workload.namespace], context.timeoutMs, context.signal, (o) => workloadObjects(o, workload)));
  return { detail: `${passed} of ${volumes.length} volumes of ${user} restored with their data`, steps };
}

/** Puts the stored data into the claim's new volume; the claim's users are stopped. */
async function refill(context: DrillContext, http: KubeHttp, volume: VolumeEntry): Promise<string> {
  const claim = { namespace: volume.namespace, name: volume.claim };
  if (volume.csi !== undefined) {
    await deleteClaim(http, claim, context.timeoutMs);
    const made = await claimFromSnapshot(http, volume, volume.claim, {}, context.timeoutMs);
    return `claim made again from VolumeSnapshot ${volume.csi.namespace}/${volume.csi.name}, Bound to ${made.volume}`;
  }
  const node = await volumeNode(context.repository, context.snapshot.tree, volume.namespace, volume.claim);
  if (volume.files !== undefined) {
    if (node?.subtree === undefined) throw new Error('the snapshot\'s tree holds no directory for it');
    const dir = await claimDirectory(http, claim, HOST_ROOT, 'drill --with-data: claim');
    const checked = await writeAndVerify(context, node.subtree, dir);
    return `${checked.files} files, ${formatBytes(checked.bytes)} written into ${dir} and read back`;
  }
  if (node?.content === undefined) throw new Error('the snapshot\'s tree holds no blocks for it');
  const [resolved] = resolveVolumes(await readInventory(http, { claims: [claim] }), { claims: [claim] }).volumes;
  const backend = resolved?.backend;
  if (backend?.kind !== 'rbd') throw new Error(`its new volume is not an RBD image (${backend?.kind ?? 'not found'}): map its class to a Ceph one`);
  const image = { pool: backend.pool, ...(backend.radosNamespace !== undefined && { radosNamespace: backend.radosNamespace }), image: backend.image };
  const rbd = await rbdFor((context.entry as VolumesEntry | undefined)?.ceph, context.kube);
  const restored = await restoreImageInPlace(context.repository, rbd, node, image);
  return `${formatBytes(restored.bytes)} written over ${imageSpec(image)}, sha256 ${restored.sha256.slice(0, 16)}… read back from Ceph`;
}

async function deleteClaim(http: KubeHttp, claim: { namespace: string; name: string }, timeoutMs: number): Promise<void> {
  const path = claimsPath(claim.namespace, claim.name);
  await http.json(path, { method: 'DELETE' });
  const deadline = Date.now() + timeoutMs;
  while ((await http.request(path)).status !== 404) {
    if (Date.now() > deadline) throw new Error(`claim ${claim.namespace}/${claim.name} still there after ${timeoutMs / 1000}s (a pod still uses it?)`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
