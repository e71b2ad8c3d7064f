/**
 * One run per cycle among the hosts that run the same plan (seed 000's "run the scripts HA":
 * a timer on every manager, one backup). A cycle (core/swarm/cycle.ts) is claimed by creating
 * a swarm config of its name: raft keeps names unique, so of runs that race exactly one
 * creates it. The others store nothing and name the holder. The claim records who took it
 * and, in a label, how it went. Used by every source that may run on several nodes.
 */
import { claimName, claimPrefix, cycleStart } from '../core/swarm/cycle.ts';
import { DockerApiError, type DockerEngine } from './http.ts';
import { managerInfo, updateSwarmObject } from './swarm-api.ts';
import type { SwarmConfig } from './swarm-types.ts';

const KEY_LABEL = 'io.strata.plan';
const STATE_LABEL = 'io.strata.state';
/** Claims of a key kept in the swarm: enough to see the recent cycles, few enough not to clutter `docker config ls`. */
const CLAIMS_KEPT = 24;

export interface Holder {
  readonly node: string;
  readonly hostname: string;
  readonly at: string;
}

export interface Claimed {
  readonly id: string;
  readonly name: string;
  /** What the claim is for: the plan, or the plan and a source (`nightly.mke`). */
  readonly key: string;
}

/** The claim's cycle: `key` names what is shared (the plan, or plan.source), `windowMs` the cycle's length. */
export function cycleName(key: string, windowMs: number, now = new Date()): string {
  return claimName(key, cycleStart(now, windowMs));
}

/** This engine as a claim's holder; a worker's engine cannot hold one (it has no raft). */
export async function holderOf(engine: DockerEngine): Promise<Holder> {
  const info = await managerInfo(engine);
  return { node: info.Swarm.NodeID, hostname: info.Name, at: new Date().toISOString() };
}

export async function readClaim(engine: DockerEngine, name: string): Promise<SwarmConfig | undefined> {
  // The name filter matches prefixes: keep the exact name.
  const found = await engine.json<SwarmConfig[]>('/configs', { query: { filters: JSON.stringify({ name: [name] }) } });
  return found.find((c) => c.Spec.Name === name);
}

/** Who holds a claim, in one line for the run's output. */
export function heldBy(claim: SwarmConfig, what: string): string {
  let holder: Partial<Holder> = {};
  try {
    holder = JSON.parse(Buffer.from(claim.Spec.Data ?? '', 'base64').toString('utf8')) as Holder;
  } catch {
    // a claim written by hand: name it by its name alone
  }
  const state = claim.Spec.Labels?.[STATE_LABEL] ?? 'running';
  return `${what}: this cycle (${claim.Spec.Name}) is taken by ${holder.hostname ?? '?'} (node ${holder.node?.slice(0, 12) ?? '?'}) since ${holder.at ?? claim.CreatedAt ?? '?'}: ${state}`;
}

/** Creates the cycle's claim; the line saying who has it when another run was first. */
export async function claim(engine: DockerEngine, name: string, key: string, holder: Holder, what: string): Promise<Claimed | { readonly leftTo: string }> {
  try {
    const made = await engine.json<{ ID: string }>('/configs/create', {
      method: 'POST',
      body: { Name: name, Labels: { [KEY_LABEL]: key, [STATE_LABEL]: 'running' }, Data: Buffer.from(JSON.stringify(holder)).toString('base64') },
    });
    return { id: made.ID, name, key };
  } catch (error) {
    if (!(error instanceof DockerApiError && error.status === 409)) throw error;
  }
  const held = await readClaim(engine, name);
  return { leftTo: held === undefined ? `${what}: this cycle (${name}) was claimed and released by another run` : heldBy(held, what) };
}

/** Records how the claimed cycle went, and removes the key's oldest claims. Never fails the run: returns a warning instead. */
export async function finishClaim(engine: DockerEngine, claimed: Claimed, state: 'done' | 'failed'): Promise<string | undefined> {
  try {
    await updateSwarmObject<SwarmConfig>(engine, 'configs', claimed.id, (c) => ({ ...c.Spec, Labels: { ...c.Spec.Labels, [STATE_LABEL]: state } }));
    const prefix = claimPrefix(claimed.key);
    const claims = (await engine.json<SwarmConfig[]>('/configs', { query: { filters: JSON.stringify({ label: [`${KEY_LABEL}=${claimed.key}`] }) } }))
      .filter((c) => c.Spec.Name.startsWith(prefix))
      .sort((a, b) => b.Spec.Name.localeCompare(a.Spec.Name));
    for (const old of claims.slice(CLAIMS_KEPT)) await engine.send(`/configs/${old.ID}`, { method: 'DELETE' });
    return undefined;
  } catch (error) {
    return `the cycle's claim ${claimed.name} could not be marked ${state}: ${(error as Error).message}`;
  }
}

/**
 * Runs `work` only when this run claims the cycle (`leftTo` otherwise), and marks the claim
 * done or failed by what `work` returns (`failed`) or throws.
 */
export async function inClaimedCycle<T extends { readonly failed: boolean; readonly warnings: readonly string[] }>(
  engine: DockerEngine, key: string, windowMs: number, what: string, work: () => Promise<T>,
): Promise<T | { readonly leftTo: string }> {
  const claimed = await claim(engine, cycleName(key, windowMs), key, await holderOf(engine), what);
  if ('leftTo' in claimed) return claimed;
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await finishClaim(engine, claimed, 'failed');
    throw error;
  }
  const unmarked = await finishClaim(engine, claimed, result.failed ? 'failed' : 'done');
  return unmarked === undefined ? result : { ...result, warnings: [...result.warnings, unmarked] };
}
