/**
 * The run history `serve` keeps: the newest runs in memory for /api/runs, and, with a file,
 * one JSON line per run appended as it ends, read back at start so a restart keeps it.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { RunRecord } from '../plan/run.ts';

const KEEP = 1000;

export class RunHistory {
  private readonly runs: RunRecord[] = [];
  private readonly file: string | undefined;

  constructor(file?: string) {
    this.file = file;
    if (file === undefined || !existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(-KEEP)) {
      if (line.trim() === '') continue;
      try {
        this.runs.push(JSON.parse(line) as RunRecord);
      } catch {
        // A line torn by a crash is skipped; the rest of the history stands.
      }
    }
  }

  add(run: RunRecord): void {
    this.runs.push(run);
    if (this.runs.length > KEEP) this.runs.splice(0, this.runs.length - KEEP);
    if (this.file !== undefined) appendFileSync(this.file, `${JSON.stringify(run)}\n`, { mode: 0o600 });
  }

  /** Newest first, optionally for one plan. */
  list(plan?: string, limit = 100): RunRecord[] {
    return this.runs.filter((r) => plan === undefined || r.plan === plan).slice(-limit).reverse();
  }

  /** Results per plan, for the counters a restart must not reset to zero. */
  all(): readonly RunRecord[] {
    return this.runs;
  }
}
