/**
 * The test bed's CSI driver: a controller-only hostpath driver, run as its own process and
 * driven by the upstream csi-provisioner and csi-snapshotter sidecars over a unix socket.
 * The upstream csi-driver-host-path cannot be used here: the Go module proxy reachable from
 * this workplace answers 403 ("not available") for every version of it, and github.com does
 * not resolve. So this one speaks the same protocol, from the CSI spec module's own csi.proto.
 *
 * A volume is a directory (its path in volume_context, so tests can write into it); a
 * snapshot is a copy of one; a volume created from a snapshot starts as a copy of it. Every
 * call is idempotent by name, as the sidecars retry. State lives in directories only.
 *
 * Usage: node testbed/csi-driver.ts CSI_PROTO SOCKET STATE_DIR DRIVER_NAME
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const [protoFile, socket, stateDir, driverName] = process.argv.slice(2);
if (protoFile === undefined || socket === undefined || stateDir === undefined || driverName === undefined) {
  process.stderr.write('usage: csi-driver.ts CSI_PROTO SOCKET STATE_DIR DRIVER_NAME\n');
  process.exit(2);
}
const volumes = join(stateDir, 'volumes');
const snapshots = join(stateDir, 'snapshots');
mkdirSync(volumes, { recursive: true });
mkdirSync(snapshots, { recursive: true });

const definition = protoLoader.loadSync(protoFile, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
const csi = (grpc.loadPackageDefinition(definition) as unknown as { csi: { v1: Record<string, { service: grpc.ServiceDefinition }> } }).csi.v1;

type Call = grpc.ServerUnaryCall<Record<string, unknown>, unknown>;
type Reply = grpc.sendUnaryData<unknown>;

/** IDs derived from names: a retried create finds what the first attempt made. */
const idOf = (kind: string, name: string) => `${kind}-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;

interface Meta { readonly name: string; readonly bytes: number; readonly source?: string; readonly created: number }
const metaFile = (dir: string) => `${dir}.json`;
const readMeta = (dir: string): Meta | undefined => (existsSync(metaFile(dir)) ? (JSON.parse(readFileSync(metaFile(dir), 'utf8')) as Meta) : undefined);

function handle(fn: (request: Record<string, unknown>) => unknown) {
  return (call: Call, callback: Reply) => {
    try {
      callback(null, fn(call.request));
    } catch (error) {
      const e = error as { code?: grpc.status; message: string };
      callback({ code: e.code ?? grpc.status.INTERNAL, details: e.message, name: 'Error', message: e.message });
    }
  };
}

const fail = (code: grpc.status, message: string) => Object.assign(new Error(message), { code });

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  return total;
}

function volumeMessage(id: string, meta: Meta) {
  return {
    volume_id: id,
    capacity_bytes: meta.bytes,
    volume_context: { path: join(volumes, id) },
    ...(meta.source !== undefined && { content_source: { snapshot: { snapshot_id: meta.source } } }),
  };
}

function snapshotMessage(id: string, meta: Meta) {
  return {
    snapshot_id: id,
    source_volume_id: meta.source ?? '',
    size_bytes: meta.bytes,
    creation_time: { seconds: Math.floor(meta.created / 1000), nanos: (meta.created % 1000) * 1_000_000 },
    ready_to_use: true,
  };
}

const identity = {
  GetPluginInfo: handle(() => ({ name: driverName, vendor_version: 'testbed' })),
  GetPluginCapabilities: handle(() => ({ capabilities: [{ service: { type: 'CONTROLLER_SERVICE' } }] })),
  Probe: handle(() => ({ ready: { value: true } })),
};

const controller = {
  ControllerGetCapabilities: handle(() => ({
    capabilities: ['CREATE_DELETE_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS'].map((type) => ({ rpc: { type } })),
  })),
  CreateVolume: handle((request) => {
    const name = request['name'] as string;
    if (!name) throw fail(grpc.status.INVALID_ARGUMENT, 'name is required');
    const id = idOf('vol', name);
    const dir = join(volumes, id);
    const existing = readMeta(dir);
    if (existing !== undefined) return { volume: volumeMessage(id, existing) };
    const bytes = Number((request['capacity_range'] as { required_bytes?: number } | null)?.required_bytes ?? 0) || 1024 * 1024;
    const source = (request['volume_content_source'] as { snapshot?: { snapshot_id: string } } | null)?.snapshot?.snapshot_id;
    if (source !== undefined) {
      const from = join(snapshots, source);
      if (!existsSync(from)) throw fail(grpc.status.NOT_FOUND, `snapshot ${source} does not exist`);
      cpSync(from, dir, { recursive: true, preserveTimestamps: true });
    } else mkdirSync(dir, { recursive: true });
    const meta: Meta = { name, bytes, ...(source !== undefined && { source }), created: Date.now() };
    writeFileSync(metaFile(dir), JSON.stringify(meta));
    return { volume: volumeMessage(id, meta) };
  }),
  DeleteVolume: handle((request) => {
    const dir = join(volumes, request['volume_id'] as string);
    rmSync(dir, { recursive: true, force: true });
    rmSync(metaFile(dir), { force: true });
    return {};
  }),
  ValidateVolumeCapabilities: handle((request) => {
    if (!existsSync(join(volumes, request['volume_id'] as string))) throw fail(grpc.status.NOT_FOUND, 'no such volume');
    return { confirmed: { volume_capabilities: request['volume_capabilities'] } };
  }),
  CreateSnapshot: handle((request) => {
    const name = request['name'] as string;
    const source = request['source_volume_id'] as string;
    const id = idOf('snap', name);
    const dir = join(snapshots, id);
    const existing = readMeta(dir);
    if (existing !== undefined) {
      if (existing.source !== source) throw fail(grpc.status.ALREADY_EXISTS, `snapshot ${name} exists for another volume`);
      return { snapshot: snapshotMessage(id, existing) };
    }
    const from = join(volumes, source);
    if (!existsSync(from)) throw fail(grpc.status.NOT_FOUND, `volume ${source} does not exist`);
    cpSync(from, dir, { recursive: true, preserveTimestamps: true });
    const meta: Meta = { name, bytes: Math.max(dirBytes(dir), readMeta(from)?.bytes ?? 0), source, created: Date.now() };
    writeFileSync(metaFile(dir), JSON.stringify(meta));
    return { snapshot: snapshotMessage(id, meta) };
  }),
  DeleteSnapshot: handle((request) => {
    const dir = join(snapshots, request['snapshot_id'] as string);
    rmSync(dir, { recursive: true, force: true });
    rmSync(metaFile(dir), { force: true });
    return {};
  }),
  ListSnapshots: handle((request) => {
    const wanted = request['snapshot_id'] as string;
    const ids = wanted ? [wanted] : readdirSync(snapshots).filter((n) => !n.endsWith('.json'));
    const entries = ids.flatMap((id) => {
      const meta = readMeta(join(snapshots, id));
      return meta === undefined ? [] : [{ snapshot: snapshotMessage(id, meta) }];
    });
    return { entries };
  }),
};

const server = new grpc.Server();
server.addService(csi['Identity']!.service, identity);
server.addService(csi['Controller']!.service, controller as unknown as grpc.UntypedServiceImplementation);
rmSync(socket, { force: true });
server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error !== null) {
    process.stderr.write(`csi-driver: ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`csi-driver ${driverName} listening on ${socket}\n`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
