/** What etcd answers, as Strata uses it. 64-bit IDs are kept as hex strings, as etcdctl prints them. */

export interface EtcdMember {
  readonly id: string;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

export interface EtcdMemberStatus {
  readonly endpoint: string;
  readonly memberId: string;
  readonly clusterId: string;
  readonly version: string;
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  readonly leader: string;
  readonly raftTerm: number;
  readonly raftIndex: number;
  readonly raftAppliedIndex: number;
  readonly revision: number;
  readonly isLearner: boolean;
  readonly errors: readonly string[];
}

export type EtcdAlarmType = 'NOSPACE' | 'CORRUPT';

export interface EtcdAlarm {
  readonly memberId: string;
  readonly alarm: EtcdAlarmType;
}

export interface EtcdHashKV {
  readonly hash: number;
  readonly compactRevision: number;
  readonly hashRevision: number;
}

export interface EtcdConnectionOptions {
  /** PEM bytes; when any is present the connection uses TLS. */
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly username?: string;
  readonly password?: string;
  readonly timeoutMs: number;
}
