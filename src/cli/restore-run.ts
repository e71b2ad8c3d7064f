/** Runs a restore of the selected sources and prints each source's plan or outcome (text or --json). */
import { PartialFailure } from '../core/errors.ts';
import { restore, type RestoreSelection } from '../engine/restore.ts';
import type { Repository } from '../repository/repository.ts';
import type { StoredSnapshot } from '../repository/snapshot.ts';
import type { GlobalOptions } from './global-options.ts';
import { printError, printJson, printLine } from './output.ts';
import { progressLine } from './progress.ts';

export async function runRestore(repository: Repository, snapshot: StoredSnapshot, selections: readonly RestoreSelection[], global: GlobalOptions, planOnly: boolean): Promise<void> {
  const line = progressLine(global.progress && !global.json && !planOnly);
  const results = await restore(repository, snapshot, selections, { planOnly, onProgress: (text) => line.update(text) }).finally(() => line.done());
  const jsonOf = (r: (typeof results)[number]) => r.outcome?.json ?? r.planned.json;
  // One source prints as it always has; several, each under its type.
  if (global.json) printJson(results.length === 1 ? jsonOf(results[0]!) : { snapshot: snapshot.id, restores: Object.fromEntries(results.map((r) => [r.type, jsonOf(r)])) });
  for (const r of results) {
    // With --json, stdout is the document above; warnings and errors still go to stderr.
    if (!global.json && r.outcome === undefined) printLine(results.length === 1 ? r.planned.text : `${r.type}:\n${r.planned.text}`);
    if (!global.json && r.outcome !== undefined) for (const text of r.outcome.lines) printLine(text);
    for (const w of r.outcome?.warnings ?? []) printError(`warning: ${w}`);
    for (const e of r.outcome?.errors ?? []) printError(`error: ${e}`);
  }
  const failures = results.flatMap((r) => (r.outcome?.failure === undefined ? [] : [r.outcome.failure]));
  if (failures.length > 0) throw new PartialFailure(failures.map((f) => f.message).join('; '), { hint: failures[0]!.hint });
}
