import { describe, expect, it } from 'vitest';
import { chooseSnapshotMember, compareHashes, type MemberHash } from './consistency.ts';
import { assessQuorum } from './quorum.ts';
import type { EtcdMember, EtcdMemberStatus } from './types.ts';

const hash = (name: string, value: number, compactRevision = 10): MemberHash => ({ memberId: name, name, hash: value, compactRevision, hashRevision: 100 });

describe('compareHashes', () => {
  it('agrees when every member has the same hash', () => {
    const check = compareHashes(100, [hash('a', 1), hash('b', 1), hash('c', 1)]);
    expect(check.verdict).toBe('agree');
    expect(check.detail).toBe('3 members agree at revision 100');
  });

  it('names the members and hashes when they disagree', () => {
    const check = compareHashes(100, [hash('a', 1), hash('b', 2), hash('c', 1)]);
    expect(check.verdict).toBe('disagree');
    expect(check.detail).toBe('members disagree at revision 100: a=00000001, b=00000002, c=00000001');
  });

  it('does not compare members compacted at different revisions', () => {
    expect(compareHashes(100, [hash('a', 1, 10), hash('b', 2, 20)]).verdict).toBe('inconclusive');
    expect(compareHashes(100, [hash('a', 1, 10), hash('b', 2, 20), hash('c', 1, 10)]).verdict).toBe('agree');
  });

  it('reports a member that could not answer', () => {
    const check = compareHashes(100, [hash('a', 1), hash('b', 1), { memberId: 'c', name: 'c', error: 'unreachable' }]);
    expect(check.verdict).toBe('agree');
    expect(check.detail).toContain('no hash from c');
  });

  it('accepts a single-member cluster', () => {
    expect(compareHashes(5, [hash('only', 7)]).verdict).toBe('agree');
  });
});

describe('chooseSnapshotMember', () => {
  const member = (id: string, learner = false): EtcdMember => ({ id, name: `m-${id}`, peerUrls: [], clientUrls: [`http://${id}`], isLearner: learner });
  const status = (id: string, applied: number, leader = 'a'): EtcdMemberStatus => ({
    endpoint: `http://${id}`, memberId: id, clusterId: 'c', version: '3.6.0', dbSize: 1, dbSizeInUse: 1, leader,
    raftTerm: 2, raftIndex: applied, raftAppliedIndex: applied, revision: 1, isLearner: false, errors: [],
  });

  it('takes the highest applied index, sparing the leader among equals', () => {
    const q = assessQuorum([member('a'), member('b'), member('c')], [status('a', 50), status('b', 50), status('c', 49)], []);
    expect(chooseSnapshotMember(q, false)?.member.id).toBe('b');
  });

  it('never takes a learner, a member with an alarm, or one that did not answer', () => {
    const q = assessQuorum([member('a'), member('b'), member('c', true)], [status('a', 10), status('b', 90), status('c', 99)], [{ memberId: 'b', alarm: 'NOSPACE' }]);
    expect(chooseSnapshotMember(q, false)?.member.id).toBe('a');
  });

  it('with force, falls back to any voting member that answered', () => {
    const q = assessQuorum([member('a'), member('b')], [status('a', 10)], [{ memberId: 'a', alarm: 'CORRUPT' }]);
    expect(chooseSnapshotMember(q, false)).toBeUndefined();
    expect(chooseSnapshotMember(q, true)?.member.id).toBe('a');
  });
});
