/**
 * An RBD image from the repository into Ceph: a new image by default (`rbd import` fed from
 * the stored blocks, each verified by its hash as it is read), then read back with
 * `rbd export` and its SHA-256 compared with what was fed. A restore that Ceph did not
 * store exactly fails instead of reporting success.
 */
import { createHash } from 'node:crypto';
import { OperationError, UsageError } from '../../../core/errors.ts';
import type { Repository } from '../../../repository/repository.ts';
import type { TreeNode } from '../../../repository/tree.ts';
import type { RbdImage } from './image-backup.ts';
import { imageSpec, type RbdRunner } from './runner.ts';

export interface ImageRestoreResult {
  readonly image: string;
  readonly bytes: number;
  readonly sha256: string;
}

export async function imageExists(runner: RbdRunner, image: RbdImage): Promise<boolean> {
  const names = JSON.parse(await runner.run(['ls', '--format', 'json', `${image.pool}${image.radosNamespace === undefined ? '' : `/${image.radosNamespace}`}`])) as string[];
  return names.includes(image.image);
}

export async function restoreImage(repository: Repository, runner: RbdRunner, node: TreeNode, target: RbdImage): Promise<ImageRestoreResult> {
  const spec = imageSpec(target);
  if (await imageExists(runner, target)) {
    throw new UsageError(`image ${spec} exists already`, { hint: 'restore to a new name (--target-image), or restore in place with --in-place' });
  }
  const fed = createHash('sha256');
  let bytes = 0;
  async function* blocks(): AsyncGenerator<Buffer> {
    for (const id of node.content ?? []) {
      const block = await repository.loadBlob(id);
      fed.update(block);
      bytes += block.length;
      yield block;
    }
  }
  await runner.write(['import', '--no-progress', '-', spec], blocks());
  const sha256 = fed.digest('hex');
  const read = createHash('sha256');
  const exported = runner.read(['export', '--no-progress', spec, '-']);
  for await (const chunk of exported.output) read.update(chunk as Buffer);
  await exported.done;
  const stored = read.digest('hex');
  if (stored !== sha256) throw new OperationError(`image ${spec}: Ceph holds different bytes than were restored (sha256 ${stored.slice(0, 12)} ≠ ${sha256.slice(0, 12)})`, { hint: 'check the Ceph cluster\'s health; the backup itself verified block by block' });
  if (bytes !== node.size) throw new OperationError(`image ${spec}: restored ${bytes} bytes, the backup recorded ${node.size ?? 0}`);
  return { image: spec, bytes, sha256 };
}
