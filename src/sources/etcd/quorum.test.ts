import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessQuorum } from './quorum.ts';
import type { EtcdMember, EtcdMemberStatus } from './types.ts';

const member = (id: string, isLearner = false): EtcdMember => ({
  id,
  name: `m${id}`,
  peerUrls: [],
  clientUrls: [`https://m${id}:2379`],
  isLearner,
});

const status = (memberId: string, leader = '1', errors: string[] = []): EtcdMemberStatus => ({
  endpoint: `https://m${memberId}:2379`,
  memberId,
  clusterId: 'c',
  version: '3.6.16',
  dbSize: 1,
  dbSizeInUse: 1,
  leader,
  raftTerm: 2,
  raftIndex: 10,
  raftAppliedIndex: 10,
  revision: 5,
  isLearner: false,
  errors,
});

describe('assessQuorum', () => {
  it('says "no leader" once, whether etcd says it or only its status shows it', () => {
    const q = assessQuorum([member('1'), member('2')], [status('1', '0', ['etcdserver: no leader']), status('2', '0')], []);
    expect(q.members.map((m) => m.problems)).toEqual([['etcdserver: no leader'], ['has no leader']]);
  });

  it('keeps quorum with one of three members down, and names the lost one', () => {
    const q = assessQuorum([member('1'), member('2'), member('3')], [status('1'), status('2')], [], new Map([['https://m3:2379', 'unreachable']]));
    expect(q).toMatchObject({ voting: 3, healthy: 2, needed: 2, hasQuorum: true, leader: '1' });
    expect(q.members.find((m) => m.member.id === '3')?.problems).toEqual(['unreachable']);
  });

  it('counts an alarm once, against the member that raised it, though every member repeats it in its errors', () => {
    const repeated = ['memberID:73532150075745719 alarm:NOSPACE '];
    const q = assessQuorum([member('1'), member('2'), member('3')], [status('1', '1', repeated), status('2', '1', repeated), status('3', '1', repeated)], [{ memberId: '1', alarm: 'NOSPACE' }]);
    expect(q).toMatchObject({ healthy: 2, hasQuorum: true });
    expect(q.members.map((m) => m.problems)).toEqual([['alarm NOSPACE'], [], []]);
  });

  it('loses quorum with two of three down', () => {
    const q = assessQuorum([member('1'), member('2'), member('3')], [status('1')], []);
    expect(q).toMatchObject({ healthy: 1, needed: 2, hasQuorum: false });
  });

  it('does not count learners as voters', () => {
    const q = assessQuorum([member('1'), member('2', true)], [status('1')], []);
    expect(q).toMatchObject({ voting: 1, needed: 1, healthy: 1, hasQuorum: true });
  });

  it('treats an alarm or a leaderless member as unhealthy', () => {
    const q = assessQuorum([member('1'), member('2'), member('3')], [status('1'), status('2', '0'), status('3')], [{ memberId: '3', alarm: 'NOSPACE' }]);
    expect(q.healthy).toBe(1);
    expect(q.members.find((m) => m.member.id === '3')?.problems).toContain('alarm NOSPACE');
    expect(q.hasQuorum).toBe(false);
  });

  it('needs a strict majority of voting members, for any cluster size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 9 }), (size, up) => {
        const alive = Math.min(up, size);
        const members = Array.from({ length: size }, (_, i) => member(String(i + 1)));
        const statuses = members.slice(0, alive).map((m) => status(m.id));
        expect(assessQuorum(members, statuses, []).hasQuorum).toBe(alive * 2 > size);
      }),
    );
  });
});
