/**
 * A client for one etcd member. Per-member questions (status, HashKV, snapshot) must reach
 * that member and no other, so each endpoint gets its own connection; there is no load
 * balancing here by design.
 */
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { ETCD_RPC_PROTO } from './rpc-definition.ts';
import type { EtcdAlarm, EtcdAlarmType, EtcdConnectionOptions, EtcdHashKV, EtcdMember, EtcdMemberStatus } from './types.ts';

type Unary<Req, Res> = (request: Req, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Res) => void) => grpc.ClientUnaryCall;

interface ServiceClient extends grpc.Client {
  [method: string]: unknown;
}
type ServiceConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => ServiceClient;

type ServiceName = 'Maintenance' | 'Cluster' | 'Auth' | 'KV';
let services: Record<ServiceName, ServiceConstructor> | undefined;

function loadServices(): NonNullable<typeof services> {
  if (services === undefined) {
    const root = protobuf.parse(ETCD_RPC_PROTO, { keepCase: true }).root;
    const definition = fromJSON(root.toJSON(), { longs: String, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition)['etcdserverpb'] as unknown as Record<string, ServiceConstructor>;
    services = { Maintenance: pkg['Maintenance']!, Cluster: pkg['Cluster']!, Auth: pkg['Auth']!, KV: pkg['KV']! };
  }
  return services;
}

/** etcd prints member and cluster IDs as lowercase hex. */
export function hexId(decimal: string | undefined): string {
  return BigInt(decimal ?? '0').toString(16);
}

export class EtcdMemberClient {
  readonly endpoint: string;
  private readonly options: EtcdConnectionOptions;
  private readonly maintenance: ServiceClient;
  private readonly cluster: ServiceClient;
  private readonly auth: ServiceClient;
  private readonly kv: ServiceClient;
  private token: string | undefined;

  constructor(endpoint: string, options: EtcdConnectionOptions) {
    this.endpoint = endpoint;
    this.options = options;
    const url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
    const secure = url.protocol === 'https:' || options.ca !== undefined || options.cert !== undefined;
    const credentials = secure
      ? grpc.credentials.createSsl(options.ca ?? null, options.key ?? null, options.cert ?? null)
      : grpc.credentials.createInsecure();
    const address = `${url.hostname}:${url.port || '2379'}`;
    // Snapshots of large databases arrive in 32 KiB messages, but Status of a cluster with a
    // long member list can exceed gRPC's 4 MiB default on receive; raise it. HTTP/2's 64 KiB
    // default window makes etcd wait for a window update every two messages: a 16 MiB one
    // lets a snapshot stream a third faster.
    const channel: grpc.ClientOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc-node.flow_control_window': 16 * 1024 * 1024 };
    const { Maintenance, Cluster, Auth, KV } = loadServices();
    this.maintenance = new Maintenance(address, credentials, channel);
    // The other services share the first one's channel: one connection per member.
    const shared = { channelOverride: this.maintenance.getChannel() };
    this.cluster = new Cluster(address, credentials, shared);
    this.auth = new Auth(address, credentials, shared);
    this.kv = new KV(address, credentials, shared);
  }

  async status(): Promise<EtcdMemberStatus> {
    const r = await this.call<Record<string, never>, StatusWire>(this.maintenance, 'Status', {});
    return {
      endpoint: this.endpoint,
      memberId: hexId(r.header?.member_id),
      clusterId: hexId(r.header?.cluster_id),
      version: r.version,
      dbSize: Number(r.dbSize),
      dbSizeInUse: Number(r.dbSizeInUse),
      leader: hexId(r.leader),
      raftTerm: Number(r.raftTerm),
      raftIndex: Number(r.raftIndex),
      raftAppliedIndex: Number(r.raftAppliedIndex),
      revision: Number(r.header?.revision ?? 0),
      isLearner: r.isLearner,
      errors: r.errors,
    };
  }

  /** The membership; `linearizable: false` is answered from the member's own state, even without a leader. */
  async memberList(linearizable = true): Promise<EtcdMember[]> {
    const r = await this.call<{ linearizable: boolean }, { members: MemberWire[] }>(this.cluster, 'MemberList', { linearizable });
    return r.members.map((m) => ({ id: hexId(m.ID), name: m.name, peerUrls: m.peerURLs, clientUrls: m.clientURLs, isLearner: m.isLearner }));
  }

  async alarms(): Promise<EtcdAlarm[]> {
    const r = await this.call<{ action: string }, { alarms: { memberID: string; alarm: string }[] }>(this.maintenance, 'Alarm', { action: 'GET' });
    return r.alarms
      .filter((a) => a.alarm !== 'NONE')
      .map((a) => ({ memberId: hexId(a.memberID), alarm: a.alarm as EtcdAlarmType }));
  }

  /** The hash of the key space up to `revision` (0: the member's current revision). */
  async hashKV(revision: number): Promise<EtcdHashKV> {
    const r = await this.call<{ revision: string }, { hash: number; compact_revision: string; hash_revision: string }>(
      this.maintenance,
      'HashKV',
      { revision: String(revision) },
    );
    return { hash: r.hash, compactRevision: Number(r.compact_revision), hashRevision: Number(r.hash_revision) };
  }

  /** Raises or clears an alarm (what etcd does itself on NOSPACE or CORRUPT; used by tests and drills). */
  async setAlarm(action: 'ACTIVATE' | 'DEACTIVATE', memberId: string, alarm: EtcdAlarmType): Promise<void> {
    await this.call(this.maintenance, 'Alarm', { action, memberID: BigInt(`0x${memberId}`).toString(), alarm });
  }

  /** Writes one key; returns the new revision. */
  async put(key: Uint8Array, value: Uint8Array): Promise<number> {
    const r = await this.call<{ key: Uint8Array; value: Uint8Array }, { header?: { revision: string } }>(this.kv, 'Put', { key, value });
    return Number(r.header?.revision ?? 0);
  }

  /** How many keys have `prefix` (all keys for an empty prefix), and the revision read at. */
  async count(prefix: Uint8Array = Buffer.alloc(0)): Promise<{ count: number; revision: number }> {
    const key = prefix.length === 0 ? Buffer.of(0) : prefix;
    const r = await this.call<object, { count: string; header?: { revision: string } }>(this.kv, 'Range', { key, range_end: prefixEnd(prefix), count_only: true });
    return { count: Number(r.count), revision: Number(r.header?.revision ?? 0) };
  }

  /** The first `limit` keys (in key order) with their values, read at the member's current revision. */
  async firstKeys(limit: number): Promise<{ key: Buffer; value: Buffer }[]> {
    const r = await this.call<object, { kvs?: { key: Buffer; value: Buffer }[] }>(this.kv, 'Range', { key: Buffer.of(0), range_end: Buffer.of(0), limit: String(limit) });
    return (r.kvs ?? []).map((kv) => ({ key: Buffer.from(kv.key), value: Buffer.from(kv.value) }));
  }

  /**
   * The member's database as etcd streams it: the bolt file followed by its SHA-256 (the
   * trailer etcdutl checks). A stream that goes quiet for the timeout is cancelled rather
   * than left hanging; `signal` cancels it too.
   */
  async *snapshot(signal?: AbortSignal): AsyncGenerator<Buffer> {
    const method = this.maintenance['Snapshot'] as (request: object, metadata: grpc.Metadata) => grpc.ClientReadableStream<{ blob: Buffer }>;
    const call = method.call(this.maintenance, {}, await this.metadata());
    let stalled = false;
    const stall = (): NodeJS.Timeout =>
      setTimeout(() => {
        stalled = true;
        call.cancel();
      }, this.options.timeoutMs * 6);
    let timer = stall();
    const abort = (): void => call.cancel();
    signal?.addEventListener('abort', abort);
    try {
      for await (const message of call as AsyncIterable<{ blob: Buffer }>) {
        clearTimeout(timer);
        if (message.blob.length > 0) yield message.blob;
        timer = stall();
      }
    } catch (error) {
      if (stalled) throw new Error(`${this.endpoint}: the snapshot stream sent nothing for ${(this.options.timeoutMs * 6) / 1000}s`, { cause: error });
      signal?.throwIfAborted();
      throw isServiceError(error) ? new EtcdCallError(this.endpoint, error) : error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      call.cancel();
    }
  }

  close(): void {
    this.maintenance.close();
    this.cluster.close();
    this.auth.close();
    this.kv.close();
  }

  private async metadata(): Promise<grpc.Metadata> {
    const metadata = new grpc.Metadata();
    if (this.options.username !== undefined) {
      this.token ??= await this.authenticate();
      metadata.set('token', this.token);
    }
    return metadata;
  }

  private async authenticate(): Promise<string> {
    const method = this.auth['Authenticate'] as Unary<{ name: string; password: string }, { token: string }>;
    const r = await this.invoke(this.auth, method, { name: this.options.username ?? '', password: this.options.password ?? '' }, new grpc.Metadata());
    return r.token;
  }

  private async call<Req, Res>(service: ServiceClient, name: string, request: Req): Promise<Res> {
    const method = service[name] as Unary<Req, Res>;
    return this.invoke(service, method, request, await this.metadata());
  }

  private invoke<Req, Res>(service: ServiceClient, method: Unary<Req, Res>, request: Req, metadata: grpc.Metadata): Promise<Res> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + this.options.timeoutMs);
      method.call(service, request, metadata, { deadline }, (error, response) => {
        if (error) reject(new EtcdCallError(this.endpoint, error));
        else resolve(response as Res);
      });
    });
  }
}

/** A failed call, with the endpoint and gRPC status an operator needs to act on it. */
export class EtcdCallError extends Error {
  readonly endpoint: string;
  readonly code: grpc.status;

  constructor(endpoint: string, error: grpc.ServiceError) {
    super(`${endpoint}: ${describeGrpcError(error)}`, { cause: error });
    this.endpoint = endpoint;
    this.code = error.code;
  }
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === 'number' && 'details' in error;
}

/** The range end that selects every key starting with `prefix` ("\\0" for all keys). */
function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.of(0);
}

function describeGrpcError(error: grpc.ServiceError): string {
  switch (error.code) {
    case grpc.status.UNAVAILABLE: {
      // grpc-js wraps the socket error in a long sentence; the socket error is what matters.
      const socket = /Last error: (?:Error: )?([^.]+)/.exec(error.details)?.[1];
      return `unreachable (${socket ?? error.details})`;
    }
    case grpc.status.DEADLINE_EXCEEDED:
      return 'no answer before the timeout';
    case grpc.status.UNAUTHENTICATED:
      return `authentication failed (${error.details}); check the etcd user and password file`;
    case grpc.status.PERMISSION_DENIED:
      return `permission denied (${error.details})`;
    default:
      return `${grpc.status[error.code] ?? error.code}: ${error.details}`;
  }
}

interface StatusWire {
  header?: { member_id: string; cluster_id: string; revision: string };
  version: string;
  dbSize: string;
  dbSizeInUse: string;
  leader: string;
  raftTerm: string;
  raftIndex: string;
  raftAppliedIndex: string;
  isLearner: boolean;
  errors: string[];
}

interface MemberWire {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}
