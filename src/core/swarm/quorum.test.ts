import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayStopForColdCopy, quorumOf, type SwarmMember } from './quorum.ts';

const manager = (id: string, extra: Partial<SwarmMember> = {}): SwarmMember => ({ id, hostname: `host-${id}`, role: 'manager', ready: true, reachable: true, leader: false, address: `${id}:2377`, ...extra });

describe('swarm quorum', () => {
  it('needs N/2+1 of N managers, counting only Ready and reachable ones; workers do not count', () => {
    const members = [manager('a', { leader: true }), manager('b'), manager('c', { reachable: false }), { ...manager('w'), role: 'worker' as const }];
    expect(quorumOf(members)).toEqual({ managers: 3, needed: 2, reachable: 2, hasQuorum: true });
    expect(quorumOf([manager('a'), manager('b', { ready: false }), manager('c', { reachable: false })]).hasQuorum).toBe(false);
    expect(quorumOf([]).hasQuorum).toBe(false);
  });

  it('lets a follower stop only when the others keep quorum, and never the leader', () => {
    const three = [manager('a', { leader: true }), manager('b'), manager('c')];
    expect(mayStopForColdCopy(three, 'b')).toEqual({ allowed: true });
    expect(mayStopForColdCopy(three, 'a')).toMatchObject({ allowed: false, reason: expect.stringContaining('leader') });
    const oneDown = [manager('a', { leader: true }), manager('b'), manager('c', { reachable: false, ready: false })];
    expect(mayStopForColdCopy(oneDown, 'b')).toMatchObject({ allowed: false, reason: 'stopping host-b would leave 1 of 3 managers up, and quorum needs 2' });
    expect(mayStopForColdCopy([manager('a', { leader: true })], 'a').allowed).toBe(false);
    expect(mayStopForColdCopy(three, 'x')).toMatchObject({ allowed: false, reason: expect.stringContaining('not in the swarm') });
    expect(mayStopForColdCopy([...three, { ...manager('w'), role: 'worker' }], 'w')).toMatchObject({ allowed: false, reason: expect.stringContaining('worker') });
  });

  it('never allows a stop that leaves fewer than N/2+1 managers up (any swarm, any manager)', () => {
    const member = fc.record({ role: fc.constantFrom('manager' as const, 'worker' as const), ready: fc.boolean(), reachable: fc.boolean() });
    fc.assert(fc.property(fc.array(member, { minLength: 1, maxLength: 9 }), fc.nat(), fc.nat(), (raw, leaderAt, selfAt) => {
      const members = raw.map((m, i) => ({ ...manager(`n${i}`), ...m, leader: m.role === 'manager' && i === leaderAt % raw.length }));
      const self = members[selfAt % members.length]!;
      const verdict = mayStopForColdCopy(members, self.id);
      if (!verdict.allowed) return;
      const managers = members.filter((m) => m.role === 'manager');
      const upAfter = managers.filter((m) => m.id !== self.id && m.ready && m.reachable).length;
      expect(self.role).toBe('manager');
      expect(self.leader).toBe(false);
      expect(upAfter).toBeGreaterThanOrEqual(Math.floor(managers.length / 2) + 1);
    }));
  });
});
