/**
 * An RBD image from the repository into Ceph, fed from the stored blocks (each verified by
 * its hash as it is read), then read back with `rbd export` and its SHA-256 compared with
 * what was fed: a restore that Ceph did not store exactly fails instead of reporting success.
 *
 * - To a new image (the default): `rbd create` at the backup's size, then the blocks as a diff
 *   stream (`rbd import-diff`, zero blocks left unallocated); an existing image is never
 *   overwritten, and a new one whose restore failed is removed. The diff stream ends with its
 *   own end record, so rbd never waits for end of file: through pods/exec in the Rook
 *   toolbox that matters, as not every kubelet passes the close of standard input on.
 * - In place: the image must exist and have no watchers (nothing maps it). Ceph first takes
 *   a safety snapshot (`strata-pre-restore-<time>`, outside the GFS names, so no retention
 *   removes it), then a diff stream that writes every block (`rbd import-diff`) makes the
 *   head equal the backup, resized to the backup's size.
 */
import { createHash } from 'node:crypto';
import { OperationError, UsageError } from '../../../core/errors.ts';
import { liveSnapshotName } from '../../../core/volumes/live-snapshots.ts';
import type { Repository } from '../../../repository/repository.ts';
import type { TreeNode } from '../../../repository/tree.ts';
import { writeImageDiff } from './diff-stream.ts';
import type { RbdImage } from './image-backup.ts';
import { imageSpec, type RbdRunner } from './runner.ts';
import { isZero } from './zero.ts';

export interface ImageRestoreResult {
  readonly image: string;
  readonly bytes: number;
  readonly sha256: string;
  /** In place: the Ceph snapshot of what the image held before. */
  readonly safetySnapshot?: string;
}

export async function imageExists(runner: RbdRunner, image: RbdImage): Promise<boolean> {
  const names = JSON.parse(await runner.run(['ls', '--format', 'json', `${image.pool}${image.radosNamespace === undefined ? '' : `/${image.radosNamespace}`}`])) as string[];
  return names.includes(image.image);
}

/** Bytes fed so far, for a progress display. */
export type OnBytes = (bytes: number) => void;

/** The stored blocks in order, hashed as they go by. */
function feed(repository: Repository, node: TreeNode, onBytes?: OnBytes) {
  const hash = createHash('sha256');
  const fed = { bytes: 0, sha256: () => hash.digest('hex') };
  async function* blocks(): AsyncGenerator<Buffer> {
    for (const id of node.content ?? []) {
      const block = await repository.loadBlob(id);
      hash.update(block);
      fed.bytes += block.length;
      onBytes?.(fed.bytes);
      yield block;
    }
  }
  return { blocks, fed };
}

async function verify(runner: RbdRunner, spec: string, node: TreeNode, fed: { bytes: number; sha256: () => string }): Promise<{ bytes: number; sha256: string }> {
  const sha256 = fed.sha256();
  const read = createHash('sha256');
  const exported = runner.read(['export', '--no-progress', spec, '-']);
  for await (const chunk of exported.output) read.update(chunk as Buffer);
  await exported.done;
  const stored = read.digest('hex');
  if (stored !== sha256) throw new OperationError(`image ${spec}: Ceph holds different bytes than were restored (sha256 ${stored.slice(0, 12)} ≠ ${sha256.slice(0, 12)})`, { hint: 'check the Ceph cluster\'s health; the backup itself verified block by block' });
  if (fed.bytes !== node.size) throw new OperationError(`image ${spec}: restored ${fed.bytes} bytes, the backup recorded ${node.size ?? 0}`);
  return { bytes: fed.bytes, sha256 };
}

/** The stored blocks as a diff stream that writes the whole image (zero blocks as zeroed extents). */
function imageDiff(repository: Repository, node: TreeNode, onBytes?: OnBytes) {
  const { blocks, fed } = feed(repository, node, onBytes);
  async function* tagged() {
    for await (const data of blocks()) yield { data, zero: isZero(data) };
  }
  return { stream: writeImageDiff(node.size ?? 0, tagged()), fed };
}

export async function restoreImage(repository: Repository, runner: RbdRunner, node: TreeNode, target: RbdImage, onBytes?: OnBytes): Promise<ImageRestoreResult> {
  const spec = imageSpec(target);
  if (await imageExists(runner, target)) {
    throw new UsageError(`image ${spec} exists already`, { hint: 'restore to a new name (--image-suffix), or over it with --in-place' });
  }
  await runner.run(['create', '--size', `${node.size ?? 0}B`, spec]);
  try {
    const { stream, fed } = imageDiff(repository, node, onBytes);
    await runner.write(['import-diff', '--no-progress', '-', spec], stream);
    return { image: spec, ...(await verify(runner, spec, node, fed)) };
  } catch (error) {
    // Half an image is worse than none: the next attempt can use the same name.
    await runner.run(['rm', '--no-progress', spec]).catch(() => undefined);
    throw error;
  }
}

export async function restoreImageInPlace(repository: Repository, runner: RbdRunner, node: TreeNode, target: RbdImage, onBytes?: OnBytes, at = new Date()): Promise<ImageRestoreResult> {
  const spec = imageSpec(target);
  if (!(await imageExists(runner, target))) throw new UsageError(`--in-place: image ${spec} does not exist`, { hint: 'restore without --in-place to create it' });
  const status = JSON.parse(await runner.run(['status', '--format', 'json', spec])) as { watchers?: { address?: string }[] };
  if ((status.watchers?.length ?? 0) > 0) {
    throw new OperationError(`--in-place: image ${spec} is still in use (watched by ${status.watchers!.map((w) => w.address ?? '?').join(', ')})`, { hint: 'unmap it on the node that uses it (a pod that did not stop), then retry' });
  }
  const safetySnapshot = liveSnapshotName(at).replace(/^strata-/, 'strata-pre-restore-');
  await runner.run(['snap', 'create', '--no-progress', imageSpec(target, safetySnapshot)]);
  try {
    const { stream, fed } = imageDiff(repository, node, onBytes);
    await runner.write(['import-diff', '--no-progress', '-', spec], stream);
    return { image: spec, ...(await verify(runner, spec, node, fed)), safetySnapshot };
  } catch (error) {
    // A half-written image must not be handed back to its workload: it gets what it held.
    const rollback = ['snap', 'rollback', '--no-progress', imageSpec(target, safetySnapshot)];
    const rolledBack = await runner.run(rollback).then(() => true, () => false);
    throw new OperationError(`--in-place ${spec}: ${(error as Error).message}; ${rolledBack ? `the image was rolled back to ${safetySnapshot}, as it was before` : 'rolling the image back failed too'}`, {
      cause: error,
      ...(!rolledBack && { hint: `before the workload starts again: rbd ${rollback.join(' ')}` }),
    });
  }
}
