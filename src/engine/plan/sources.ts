/**
 * What a plan's `sources:` mean for one backup run: each entry prepared by its source
 * against the plan's cluster. Every problem names the configuration field it comes from.
 */
import type { Config, PlanConfig } from '../../core/config/schema.ts';
import { UsageError } from '../../core/errors.ts';
import { sourceFor } from '../../sources/registry.ts';
import { prepareSources, type NamedEntry, type PreparedSources } from '../sources.ts';

const entriesOf = (planName: string, plan: PlanConfig): NamedEntry[] =>
  plan.sources.map((entry, index) => {
    const at = `plans.${planName}.sources[${index}]`;
    return { entry, field: (key?: string) => (key === undefined ? at : `${at}.${key}`) };
  });

/** Refuses, by field, a source this version cannot run: before hooks run, not halfway. */
export function checkRunnable(planName: string, plan: PlanConfig): void {
  for (const { entry, field } of entriesOf(planName, plan)) sourceFor(entry.type, field());
}

export async function planSources(config: Config, planName: string, options: { hostRoot?: string; node?: string } = {}): Promise<PreparedSources> {
  const plan = config.plans[planName];
  if (plan === undefined) throw new UsageError(`plan "${planName}" is not under plans: in strata.yaml (have: ${Object.keys(config.plans).join(', ') || 'none'})`);
  return prepareSources(entriesOf(planName, plan), {
    cluster: plan.cluster === undefined ? undefined : config.clusters[plan.cluster],
    hostRoot: options.hostRoot ?? '/',
    plan: planName,
    ...(options.node !== undefined && { node: options.node }),
  });
}
