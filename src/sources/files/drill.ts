/**
 * The files layer of a drill: the snapshot's files restored into a scratch directory, then
 * every file read back and checked against the sizes and chunk hashes the snapshot recorded.
 */
import { join } from 'node:path';
import type { DrillStep } from '../../core/drill/report.ts';
import { formatBytes } from '../../core/format.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import { drillStep } from '../drill-step.ts';
import type { DrillContext, DrillOutcome } from '../source.ts';
import { verificationProblems, verifyRestoredTree } from './verify.ts';

export async function drillFiles({ repository, snapshot, fileTrees, scratch }: DrillContext): Promise<DrillOutcome> {
  const steps: DrillStep[] = [];
  const tree = await sourceTree(repository, snapshot.tree, 'files');
  if (tree === undefined) return { detail: 'the snapshot holds no files tree', steps: [{ name: 'find the files', result: 'failed', detail: `snapshot ${snapshot.id.slice(0, 8)} records files but its tree has no files directory`, durationMs: 0 }] };
  const dir = join(await scratch.directory('files'), 'files');
  let summary = '';
  const restored = await drillStep(steps, `restore into ${dir}`, async () => {
    const result = await fileTrees.restoreTree(repository, tree, dir, []);
    if (result.errors.length > 0) throw new Error(`${result.errors.length} item(s) not restored: ${result.errors.slice(0, 3).join('; ')}`);
    return `${result.progress.files} files, ${result.progress.dirs} directories, ${formatBytes(result.progress.bytes)}`;
  });
  if (restored) {
    await drillStep(steps, 'verify sizes and chunk hashes', async () => {
      const result = await verifyRestoredTree(repository, tree, dir);
      if (result.problems.length > 0) throw new Error(verificationProblems(result));
      summary = `${result.files} files (${formatBytes(result.bytes)}) match the snapshot`;
      return summary;
    });
  }
  return { detail: summary, steps };
}
