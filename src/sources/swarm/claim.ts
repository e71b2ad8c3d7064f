/**
 * Sharing a plan's swarm backup between its runs on every manager, on the claims of
 * docker/cycle-claim.ts. A follower that may stop claims at once and takes the export and
 * the cold copy; a manager that may not (the leader, or one whose stop would cost quorum)
 * waits a while for one to, and takes the cycle itself only when none did.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mayStopForColdCopy } from '../../core/swarm/quorum.ts';
import { claim, cycleName, heldBy, readClaim, type Claimed, type Holder } from '../../docker/cycle-claim.ts';
import type { DockerEngine } from '../../docker/http.ts';
import { memberOf } from '../../docker/swarm-api.ts';
import type { EngineInfo, SwarmNode } from '../../docker/swarm-types.ts';
import type { SourceLeftToOther } from '../source.ts';
import { ms } from './engine-control.ts';
import type { SwarmEntry } from './entry.ts';

/** Claims this cycle for this run, or says who has it. */
export async function claimCycle(engine: DockerEngine, info: EngineInfo, entry: SwarmEntry & { ha: NonNullable<SwarmEntry['ha']> }, plan: string): Promise<Claimed | SourceLeftToOther> {
  const name = cycleName(plan, ms(entry.ha.window));
  const holder: Holder = { node: info.Swarm.NodeID, hostname: info.Name, at: new Date().toISOString() };
  const members = (await engine.json<SwarmNode[]>('/nodes')).map(memberOf);
  const mayTakeItAll = entry.mode !== 'cold' || mayStopForColdCopy(members, holder.node).allowed;
  if (!mayTakeItAll) {
    const deadline = Date.now() + ms(entry.ha.wait);
    for (let attempt = 0; attempt < 10_000 && Date.now() < deadline; attempt++) {
      const held = await readClaim(engine, name);
      if (held !== undefined) return { leftTo: heldBy(held, 'swarm') };
      await sleep(2_000);
    }
  }
  return claim(engine, name, plan, holder, 'swarm');
}
