/**
 * Sharing a plan's swarm backup between its runs on every manager (seed 000's "run the
 * scripts HA"). Each cycle (core/swarm/cycle.ts) is claimed by creating a swarm config of
 * the cycle's name: raft keeps names unique, so of runs that race exactly one creates it.
 * A follower that may stop claims at once and takes the export and the cold copy; a manager
 * that may not (the leader, or one whose stop would cost quorum) waits a while for one to,
 * and takes the cycle itself only when none did. The others store nothing and name the
 * holder. The claim records who took it and, in a label, how it went.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { claimName, claimPrefix, cycleStart } from '../../core/swarm/cycle.ts';
import { mayStopForColdCopy } from '../../core/swarm/quorum.ts';
import { DockerApiError, type DockerEngine } from '../../docker/http.ts';
import { memberOf, updateSwarmObject } from '../../docker/swarm-api.ts';
import type { EngineInfo, SwarmConfig, SwarmNode } from '../../docker/swarm-types.ts';
import type { SourceLeftToOther } from '../source.ts';
import { ms } from './engine-control.ts';
import type { SwarmEntry } from './entry.ts';

const PLAN_LABEL = 'io.strata.plan';
const STATE_LABEL = 'io.strata.state';
/** Claims of a plan kept in the swarm: enough to see the recent cycles, few enough not to clutter `docker config ls`. */
const CLAIMS_KEPT = 24;

interface Holder {
  readonly node: string;
  readonly hostname: string;
  readonly at: string;
}

export interface Claimed {
  readonly id: string;
  readonly name: string;
}

async function readClaim(engine: DockerEngine, name: string): Promise<SwarmConfig | undefined> {
  // The name filter matches prefixes: keep the exact name.
  const found = await engine.json<SwarmConfig[]>('/configs', { query: { filters: JSON.stringify({ name: [name] }) } });
  return found.find((c) => c.Spec.Name === name);
}

function leftTo(claim: SwarmConfig): SourceLeftToOther {
  let holder: Partial<Holder> = {};
  try {
    holder = JSON.parse(Buffer.from(claim.Spec.Data ?? '', 'base64').toString('utf8')) as Holder;
  } catch {
    // a claim written by hand: name it by its name alone
  }
  const state = claim.Spec.Labels?.[STATE_LABEL] ?? 'running';
  return { leftTo: `swarm: this cycle (${claim.Spec.Name}) is taken by ${holder.hostname ?? '?'} (node ${holder.node?.slice(0, 12) ?? '?'}) since ${holder.at ?? claim.CreatedAt ?? '?'}: ${state}` };
}

/** Creates the cycle's claim; undefined when another run's claim is there first. */
async function create(engine: DockerEngine, name: string, plan: string, holder: Holder): Promise<string | undefined> {
  try {
    const made = await engine.json<{ ID: string }>('/configs/create', {
      method: 'POST',
      body: { Name: name, Labels: { [PLAN_LABEL]: plan, [STATE_LABEL]: 'running' }, Data: Buffer.from(JSON.stringify(holder)).toString('base64') },
    });
    return made.ID;
  } catch (error) {
    if (error instanceof DockerApiError && error.status === 409) return undefined;
    throw error;
  }
}

/** Claims this cycle for this run, or says who has it. */
export async function claimCycle(engine: DockerEngine, info: EngineInfo, entry: SwarmEntry & { ha: NonNullable<SwarmEntry['ha']> }, plan: string): Promise<Claimed | SourceLeftToOther> {
  const name = claimName(plan, cycleStart(new Date(), ms(entry.ha.window)));
  const holder: Holder = { node: info.Swarm.NodeID, hostname: info.Name, at: new Date().toISOString() };
  const members = (await engine.json<SwarmNode[]>('/nodes')).map(memberOf);
  const mayTakeItAll = entry.mode !== 'cold' || mayStopForColdCopy(members, holder.node).allowed;
  if (!mayTakeItAll) {
    const deadline = Date.now() + ms(entry.ha.wait);
    for (let attempt = 0; attempt < 10_000 && Date.now() < deadline; attempt++) {
      const claim = await readClaim(engine, name);
      if (claim !== undefined) return leftTo(claim);
      await sleep(2_000);
    }
  }
  const id = await create(engine, name, plan, holder);
  if (id !== undefined) return { id, name };
  const claim = await readClaim(engine, name);
  return claim === undefined ? { leftTo: `swarm: this cycle (${name}) was claimed and released by another run` } : leftTo(claim);
}

/** Records how the claimed cycle went, and removes the plan's oldest claims. Never fails the run: returns a warning instead. */
export async function finishClaim(engine: DockerEngine, claimed: Claimed, plan: string, state: 'done' | 'failed'): Promise<string | undefined> {
  try {
    await updateSwarmObject<SwarmConfig>(engine, 'configs', claimed.id, (c) => ({ ...c.Spec, Labels: { ...c.Spec.Labels, [STATE_LABEL]: state } }));
    const prefix = claimPrefix(plan);
    const claims = (await engine.json<SwarmConfig[]>('/configs', { query: { filters: JSON.stringify({ label: [`${PLAN_LABEL}=${plan}`] }) } }))
      .filter((c) => c.Spec.Name.startsWith(prefix))
      .sort((a, b) => b.Spec.Name.localeCompare(a.Spec.Name));
    for (const old of claims.slice(CLAIMS_KEPT)) await engine.send(`/configs/${old.ID}`, { method: 'DELETE' });
    return undefined;
  } catch (error) {
    return `the cycle's claim ${claimed.name} could not be marked ${state}: ${(error as Error).message}`;
  }
}
