/**
 * A drill's report (docs/drills.md): what was restored from which snapshot, each layer's
 * steps with their timings and results, the plan's checks, the measured RTO against the
 * plan's target, and what the clean-up removed. Stored sealed in the repository beside the
 * snapshot it drilled, so `strata drills` shows the history on any host. Pure.
 */
import { Duration } from '../duration.ts';

export type DrillResult = 'passed' | 'failed';

export interface DrillStep {
  readonly name: string;
  readonly result: DrillResult;
  /** What was found: counts, the revision, why it failed. */
  readonly detail: string;
  readonly durationMs: number;
}

export interface DrillLayer {
  /** The source drilled (`etcd`, `objects`, `files`), or `checks` for the plan's own checks. */
  readonly layer: string;
  readonly result: DrillResult | 'not drilled';
  readonly detail: string;
  readonly startedMs: number;
  readonly durationMs: number;
  /** From the drill's start to this layer restored and checked: its part of the RTO. */
  readonly readyMs: number;
  readonly steps: readonly DrillStep[];
}

export interface DrillCleanUp {
  /** Left in place on request (--keep): the scratch things are listed, not removed. */
  readonly kept: boolean;
  readonly removed: readonly string[];
  readonly problems: readonly string[];
}

export interface DrillReport {
  readonly version: 1;
  readonly id: string;
  readonly plan: string;
  readonly cluster?: string;
  readonly snapshot: string;
  readonly snapshotTime: string;
  readonly host: string;
  /** `scratch`: a copy beside the original; `in-place`: the chaos day's delete and restore. */
  readonly mode: 'scratch' | 'in-place';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly result: DrillResult;
  /** From the start to the last layer restored and checked. */
  readonly rtoMs: number;
  readonly targetRtoMs?: number;
  readonly layers: readonly DrillLayer[];
  /** What failed and why, one line each. */
  readonly failures: readonly string[];
  readonly cleanUp: DrillCleanUp;
}

/** Whether a report meets its plan's RTO: not when it failed, or took longer than the target. */
export function rtoMet(report: Pick<DrillReport, 'result' | 'rtoMs' | 'targetRtoMs'>): boolean {
  return report.result === 'passed' && (report.targetRtoMs === undefined || report.rtoMs <= report.targetRtoMs);
}

/** The drill's RTO: the latest moment a layer was ready (the layers restore one after another). */
export function measuredRto(layers: readonly Pick<DrillLayer, 'readyMs' | 'result'>[]): number {
  return layers.filter((l) => l.result !== 'not drilled').reduce((most, l) => Math.max(most, l.readyMs), 0);
}

const seconds = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : Duration.milliseconds(Math.round(ms / 1000) * 1000).toString());

/** "RTO 42.1s, target 1h: met". */
export function rtoLine(report: Pick<DrillReport, 'result' | 'rtoMs' | 'targetRtoMs'>): string {
  const target = report.targetRtoMs === undefined ? 'no target (rto: in the plan)' : `target ${Duration.milliseconds(report.targetRtoMs).toString()}`;
  const verdict = report.result === 'failed' ? 'not met (the drill failed)' : rtoMet(report) ? 'met' : 'MISSED';
  return `RTO ${seconds(report.rtoMs)}, ${target}: ${verdict}`;
}

/** The report as `strata drill` prints it: per layer, each step with its time. */
export function renderReport(report: DrillReport): string[] {
  const lines = [`drill ${report.id} of plan ${report.plan}: snapshot ${report.snapshot.slice(0, 8)} of ${report.snapshotTime}, ${report.mode === 'in-place' ? 'restored in place' : 'restored into scratch targets'}: ${report.result.toUpperCase()}`];
  for (const layer of report.layers) {
    lines.push(`  ${layer.layer.padEnd(8)} ${layer.result.padEnd(11)} ready at ${seconds(layer.readyMs).padStart(7)} (took ${seconds(layer.durationMs)})${layer.detail === '' ? '' : `: ${layer.detail}`}`);
    for (const step of layer.steps) lines.push(`    ${step.result === 'passed' ? 'ok  ' : 'FAIL'} ${step.name} (${seconds(step.durationMs)})${step.detail === '' ? '' : `: ${step.detail}`}`);
  }
  lines.push(`  ${rtoLine(report)}`);
  for (const failure of report.failures) lines.push(`  failed: ${failure}`);
  const { cleanUp } = report;
  if (cleanUp.kept) lines.push(`  kept for a look (--keep): ${cleanUp.removed.join(', ') || 'nothing'}`);
  else lines.push(`  cleaned up: ${cleanUp.removed.length === 0 ? 'nothing was left' : cleanUp.removed.join(', ')}`);
  for (const problem of cleanUp.problems) lines.push(`  clean-up problem: ${problem}`);
  return lines;
}

/** One line per drill for `strata drills`. */
export function historyLine(report: DrillReport): string {
  const failed = report.layers.filter((l) => l.result === 'failed').map((l) => l.layer);
  return [
    report.startedAt.replace(/\.\d+Z$/, 'Z'),
    report.plan,
    report.snapshot.slice(0, 8),
    report.mode,
    report.result,
    seconds(report.rtoMs),
    report.targetRtoMs === undefined ? '-' : Duration.milliseconds(report.targetRtoMs).toString(),
    rtoMet(report) ? 'met' : 'missed',
    failed.length === 0 ? report.layers.filter((l) => l.result === 'passed').map((l) => l.layer).join(',') : `failed: ${failed.join(',')}`,
  ].join('\t');
}
