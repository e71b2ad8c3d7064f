/**
 * What makes a thing a drill's scratch thing, by name and label, so that the drill that made
 * it — or the next drill of the plan, after a crash or a kill — finds and removes it, and
 * nothing else is ever touched. Pure.
 */
import { UsageError } from '../errors.ts';

/** On every API object a drill creates: the drill's ID. */
export const DRILL_LABEL = 'strata.io/drill';
/** On every API object a drill creates: the plan, so a plan's next drill removes its leftovers and no other plan's. */
export const DRILL_PLAN_LABEL = 'strata.io/drill-plan';

/** A drill's ID: its start time and a random part, usable as a label value and in file names. */
export function drillId(start: Date, random: string): string {
  return `${start.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').toLowerCase()}-${random}`;
}

export function drillLabels(id: string, plan: string): Record<string, string> {
  return { [DRILL_LABEL]: id, [DRILL_PLAN_LABEL]: plan };
}

/** The label selector of a plan's scratch objects (any drill's). */
export function planSelector(plan: string): string {
  return `${DRILL_PLAN_LABEL}=${plan}`;
}

/** The scratch copy of `namespace`: its name with the suffix, refused when too long for a namespace. */
export function scratchNamespace(namespace: string, suffix: string): string {
  const name = `${namespace}${suffix}`;
  if (name.length > 63) throw new UsageError(`drill.suffix ${suffix}: namespace ${namespace} would become ${name}, longer than 63 characters`, { hint: 'choose a shorter suffix, or leave that namespace out with drill.namespaces' });
  return name;
}

/** The prefix of a plan's scratch directories under the work directory. */
export function scratchDirectoryPrefix(plan: string): string {
  return `strata-drill-${plan}-`;
}

/** The part of a scratch image's name after the image it copies: the plan and the drill. */
export function scratchImageSuffix(plan: string, id: string): string {
  return `-strata-drill-${plan}-${id}`;
}

/** Whether `name` is a scratch image of one of the plan's drills other than `except`: only those are ever removed. */
export function isScratchImage(name: string, plan: string, except: string): boolean {
  const marker = scratchImageSuffix(plan, '');
  const at = name.lastIndexOf(marker);
  if (at <= 0) return false;
  const id = name.slice(at + marker.length);
  return /^\d{8}t\d{6}z-[0-9a-f]+$/.test(id) && id !== except;
}
