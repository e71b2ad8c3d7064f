/** One timed step of a source's drill: passed with what it found, or failed with why. */
import type { DrillStep } from '../core/drill/report.ts';

/** Runs `run` as the step `name`, appending its result to `steps`; true when it passed. */
export async function drillStep(steps: DrillStep[], name: string, run: () => Promise<string>): Promise<boolean> {
  const started = Date.now();
  try {
    const detail = await run();
    steps.push({ name, result: 'passed', detail, durationMs: Date.now() - started });
    return true;
  } catch (error) {
    steps.push({ name, result: 'failed', detail: (error as Error).message, durationMs: Date.now() - started });
    return false;
  }
}
