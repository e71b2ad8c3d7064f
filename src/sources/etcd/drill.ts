/**
 * The etcd layer of a drill: the snapshot exported (its SHA-256 checked), built into a
 * member by etcdutl, started as a throwaway single-member etcd on free local ports, then
 * asked what the record says it must hold — the revision, the number of keys, the HashKV of
 * the key space that the backed-up member answered at backup time — and a sample of keys
 * read back. Stopped at the end; its directory goes with the drill's scratch.
 */
import { join } from 'node:path';
import type { DrillStep } from '../../core/drill/report.ts';
import { formatBytes } from '../../core/format.ts';
import { drillStep } from '../drill-step.ts';
import type { DrillContext, DrillOutcome } from '../source.ts';
import type { EtcdMemberClient } from './client.ts';
import { findEtcdBinary } from './etcdutl.ts';
import type { EtcdSnapshotRecord } from './record.ts';
import { buildScratchMember, freePort, startScratchMember, type ScratchMember } from './scratch-member.ts';
import { requireEtcdRecord, writeEtcdSnapshotFile } from './snapshot-file.ts';

export async function drillEtcd({ repository, snapshot, scratch, settings, signal, timeoutMs }: DrillContext): Promise<DrillOutcome> {
  const record = requireEtcdRecord(snapshot);
  const steps: DrillStep[] = [];
  let binaries: { etcd: string; etcdutl: string } | undefined;
  const found = await drillStep(steps, 'find etcd and etcdutl', async () => {
    binaries = {
      etcdutl: findEtcdBinary('etcdutl', settings.etcd.etcdutl, 'STRATA_ETCDUTL', 'drill.etcd.etcdutl'),
      etcd: findEtcdBinary('etcd', settings.etcd.etcd, 'STRATA_ETCD', 'drill.etcd.etcd'),
    };
    return `${binaries.etcd}, ${binaries.etcdutl}`;
  });
  if (!found || binaries === undefined) return { detail: '', steps };
  const dir = await scratch.directory('etcd');
  const file = join(dir, 'snapshot.db');
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  let dataDir = '';
  let member: ScratchMember | undefined;
  const { etcd, etcdutl } = binaries;
  try {
    const ready = await drillStep(steps, 'export the snapshot', async () => {
      await writeEtcdSnapshotFile(repository, snapshot, file);
      return `${formatBytes(record.dbSize)}, SHA-256 ${record.sha256.slice(0, 12)}… checked`;
    })
      && await drillStep(steps, 'build a member with etcdutl', async () => {
        dataDir = await buildScratchMember(etcdutl, file, dir, peerUrl);
        return dataDir;
      })
      && await drillStep(steps, 'start a scratch etcd', async () => {
        member = await startScratchMember(etcd, dataDir, peerUrl, Math.min(timeoutMs, 120_000), (pid) => scratch.process(pid, dir), signal);
        return `PID ${member.pid} at ${member.endpoint}`;
      });
    if (!ready || member === undefined) return { detail: '', steps };
    const client = member.client;
    await drillStep(steps, 'revision and key count', () => revisionAndKeys(client, record));
    await drillStep(steps, 'HashKV against the backed-up member', () => hashAgainstRecord(client, record));
    await drillStep(steps, `read ${settings.etcd.sampleKeys} keys`, () => readSample(client, settings.etcd.sampleKeys, record.totalKeys));
    return { detail: `revision ${record.revision}, ${record.totalKeys} keys`, steps };
  } finally {
    await member?.stop();
  }
}

async function revisionAndKeys(client: EtcdMemberClient, record: EtcdSnapshotRecord): Promise<string> {
  const status = await client.status();
  const { count } = await client.count();
  if (status.revision !== record.revision) throw new Error(`the copy is at revision ${status.revision}, the snapshot recorded ${record.revision}`);
  if (count !== record.totalKeys) throw new Error(`the copy holds ${count} keys, the snapshot recorded ${record.totalKeys}`);
  return `revision ${status.revision}, ${count} keys, as recorded`;
}

/**
 * The backed-up member's HashKV at the consistency check's revision, recorded at backup
 * time, must be the copy's at the same revision: the same key space, byte for byte. Only
 * comparable when the compaction point is the same (HashKV hashes from it).
 */
async function hashAgainstRecord(client: EtcdMemberClient, record: EtcdSnapshotRecord): Promise<string> {
  const consistency = record.consistency;
  const recorded = consistency?.members.find((m) => m.memberId === record.member.id && 'hash' in m);
  if (consistency === null || consistency === undefined || recorded === undefined || !('hash' in recorded)) {
    const own = await client.hashKV(record.revision);
    return `no HashKV was recorded at backup; the copy's is ${hex(own.hash)} at revision ${record.revision}`;
  }
  const copy = await client.hashKV(consistency.revision);
  if (copy.compactRevision !== recorded.compactRevision) return `not comparable: the copy is compacted at ${copy.compactRevision}, the member was at ${recorded.compactRevision} (copy's hash ${hex(copy.hash)})`;
  if (copy.hash !== recorded.hash) throw new Error(`the copy's HashKV at revision ${consistency.revision} is ${hex(copy.hash)}, member ${record.member.name} answered ${hex(recorded.hash)} at backup`);
  return `${hex(copy.hash)} at revision ${consistency.revision}, as member ${record.member.name} answered at backup`;
}

async function readSample(client: EtcdMemberClient, wanted: number, total: number): Promise<string> {
  const keys = await client.firstKeys(wanted);
  const expected = Math.min(wanted, total);
  if (keys.length !== expected) throw new Error(`${keys.length} keys came back, expected ${expected}`);
  const bytes = keys.reduce((sum, kv) => sum + kv.value.length, 0);
  return `${keys.length} keys read (${formatBytes(bytes)} of values)`;
}

const hex = (hash: number): string => (hash >>> 0).toString(16).padStart(8, '0');
