/**
 * `strata restore ID --msr-output FILE`: the MSR archive written to a new file (mode 0600)
 * for MSR's documented `docker run -i --rm mirantis/dtr:VERSION restore … < FILE`
 * (docs/runbooks/mirantis-restore.md), which needs the MKE connection and storage settings
 * of the new install.
 */
import { formatBytes } from '../../core/format.ts';
import { UsageError } from '../../core/errors.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import { writeItemFile } from '../program-output.ts';
import type { PlannedRestore, RestoreContext } from '../source.ts';
import type { MsrRecord } from './record.ts';

export interface MsrRestoreOptions {
  readonly output: string;
}

export async function planMsrRestore({ repository, snapshot }: RestoreContext, options: MsrRestoreOptions): Promise<PlannedRestore> {
  const source = snapshot.sources.find((s) => s.type === 'msr');
  if (source === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds no MSR backup`, { hint: 'pick a snapshot with msr in `strata snapshots`' });
  const record = source.record as MsrRecord;
  if (record.failed !== undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)}: its MSR backup failed (${record.failed})`, { hint: 'pick an earlier snapshot' });
  const tree = await sourceTree(repository, snapshot.tree, 'msr');
  const content = tree === undefined ? undefined : (await repository.loadTree(tree)).nodes.find((n) => n.name === record.archive)?.content;
  if (content === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)}: the MSR archive is missing from its tree`, { hint: 'run `strata check --read-data`' });
  const size = formatBytes(record.bytes);
  return {
    text: `write the MSR archive (${size}, replica ${record.replicaId}, ${record.image}) to ${options.output} (mode 0600, must not exist)`,
    json: { snapshot: snapshot.id, archive: record.archive, bytes: record.bytes, output: options.output },
    async apply() {
      await writeItemFile(repository, content, options.output, '--msr-output');
      return { lines: [`wrote the MSR archive (${size}) to ${options.output}; restore it with ${record.image} restore (docs/runbooks/mirantis-restore.md)`], json: { snapshot: snapshot.id, output: options.output }, warnings: [], errors: [] };
    },
  };
}
