/**
 * The subset of etcd's v3 gRPC API that Strata calls, written from the protocol's published
 * field numbers (package etcdserverpb). Only what is listed here is decoded; fields added by
 * later etcd versions are skipped by protobuf, which is what keeps older and newer servers
 * compatible.
 */
export const ETCD_RPC_PROTO = `
syntax = "proto3";
package etcdserverpb;

message ResponseHeader {
  uint64 cluster_id = 1;
  uint64 member_id = 2;
  int64 revision = 3;
  uint64 raft_term = 4;
}

message StatusRequest {}
message StatusResponse {
  ResponseHeader header = 1;
  string version = 2;
  int64 dbSize = 3;
  uint64 leader = 4;
  uint64 raftIndex = 5;
  uint64 raftTerm = 6;
  uint64 raftAppliedIndex = 7;
  repeated string errors = 8;
  int64 dbSizeInUse = 9;
  bool isLearner = 10;
  string storageVersion = 11;
  int64 dbSizeQuota = 12;
}

enum AlarmType {
  NONE = 0;
  NOSPACE = 1;
  CORRUPT = 2;
}
message AlarmRequest {
  enum AlarmAction {
    GET = 0;
    ACTIVATE = 1;
    DEACTIVATE = 2;
  }
  AlarmAction action = 1;
  uint64 memberID = 2;
  AlarmType alarm = 3;
}
message AlarmMember {
  uint64 memberID = 1;
  AlarmType alarm = 2;
}
message AlarmResponse {
  ResponseHeader header = 1;
  repeated AlarmMember alarms = 2;
}

message HashKVRequest { int64 revision = 1; }
message HashKVResponse {
  ResponseHeader header = 1;
  uint32 hash = 2;
  int64 compact_revision = 3;
  int64 hash_revision = 4;
}

message SnapshotRequest {}
message SnapshotResponse {
  ResponseHeader header = 1;
  uint64 remaining_bytes = 2;
  bytes blob = 3;
  string version = 4;
}

message Member {
  uint64 ID = 1;
  string name = 2;
  repeated string peerURLs = 3;
  repeated string clientURLs = 4;
  bool isLearner = 5;
}
message MemberListRequest { bool linearizable = 1; }
message MemberListResponse {
  ResponseHeader header = 1;
  repeated Member members = 2;
}

message KeyValue {
  bytes key = 1;
  int64 create_revision = 2;
  int64 mod_revision = 3;
  int64 version = 4;
  bytes value = 5;
  int64 lease = 6;
}
message RangeRequest {
  bytes key = 1;
  bytes range_end = 2;
  int64 limit = 3;
  int64 revision = 4;
  bool serializable = 7;
  bool keys_only = 8;
  bool count_only = 9;
}
message RangeResponse {
  ResponseHeader header = 1;
  repeated KeyValue kvs = 2;
  bool more = 3;
  int64 count = 4;
}
message PutRequest {
  bytes key = 1;
  bytes value = 2;
  int64 lease = 3;
}
message PutResponse {
  ResponseHeader header = 1;
}

message AuthenticateRequest {
  string name = 1;
  string password = 2;
}
message AuthenticateResponse {
  ResponseHeader header = 1;
  string token = 2;
}

service Maintenance {
  rpc Alarm(AlarmRequest) returns (AlarmResponse);
  rpc Status(StatusRequest) returns (StatusResponse);
  rpc HashKV(HashKVRequest) returns (HashKVResponse);
  rpc Snapshot(SnapshotRequest) returns (stream SnapshotResponse);
}
service KV {
  rpc Range(RangeRequest) returns (RangeResponse);
  rpc Put(PutRequest) returns (PutResponse);
}
service Cluster {
  rpc MemberList(MemberListRequest) returns (MemberListResponse);
}
service Auth {
  rpc Authenticate(AuthenticateRequest) returns (AuthenticateResponse);
}
`;
