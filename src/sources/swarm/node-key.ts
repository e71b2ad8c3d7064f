/**
 * Unlocking an autolocked manager's raft copy before its engine starts. Why: a restored
 * autolocked manager starts locked; `docker swarm unlock` then waits for the swarm to have a
 * leader, which the old peers never give it, and holds the engine's control lock while it
 * waits, so `docker swarm init --force-new-cluster` (and even a clean shutdown) hangs behind
 * it (moby/moby#36852 and the trial in docs/runbooks/swarm-restore.md). Unlocked on disk,
 * the copy starts like an unlocked manager; `init --force-new-cluster` with autolock on
 * makes the engine lock its key again with the swarm's unlock key.
 *
 * The format, from swarmkit: DATA_ROOT/swarm/certificates/swarm-node.key is a PEM block,
 * under autolock an encrypted PKCS#8 key ("ENCRYPTED PRIVATE KEY") whose passphrase is the
 * key-encryption key (KEK), the bytes of the unlock key "SWMKEY-1-" + base64 (unpadded). Its
 * PEM headers carry the raft data-encryption keys ("raft-dek", "raft-dek-pending"), each a
 * base64 protobuf MaybeEncryptedRecord {1: algorithm, 2: data, 3: nonce}, the data sealed
 * with NaCl secretbox (algorithm 1) under the KEK; algorithm 0 is plain data. "kek-version"
 * names the KEK's version: it is dropped, so the engine takes the swarm's KEK as newer and
 * re-locks the key instead of refusing "the same version with a different KEK value".
 */
import { createPrivateKey } from 'node:crypto';
import protobuf from 'protobufjs';
import nacl from 'tweetnacl';
import { OperationError } from '../../core/errors.ts';

const UNLOCK_KEY = /^SWMKEY-1-([A-Za-z0-9+/]+)$/;
const KEK_VERSION = 'kek-version';
/** Headers of a traditionally encrypted PEM key (RFC 1421), read by the key parser itself. */
const PEM_ENCRYPTION_HEADERS = new Set(['Proc-Type', 'DEK-Info']);

/** MaybeEncryptedRecord.Algorithm. */
const Algorithm = { NotEncrypted: 0, Secretbox: 1, Fernet: 2 } as const;

interface PemBlock {
  readonly type: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

function parsePem(text: string, what: string): PemBlock {
  const lines = text.replace(/\r/g, '').split('\n');
  const begin = /^-----BEGIN (.+)-----$/.exec(lines[0] ?? '');
  const end = lines.findIndex((l) => l.startsWith('-----END '));
  if (begin === null || end < 0) throw new OperationError(`${what}: not a PEM key`, { hint: 'the raft copy is damaged: run `strata check --read-data`, or restore another snapshot' });
  const headers: [string, string][] = [];
  let at = 1;
  for (; at < end && lines[at]!.includes(': '); at++) {
    const line = lines[at]!;
    headers.push([line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]);
  }
  return { type: begin[1]!, headers, body: lines.slice(at, end).filter((l) => l.trim() !== '').join('\n') };
}

function formatPem(block: PemBlock): string {
  const headers = block.headers.map(([k, v]) => `${k}: ${v}\n`).join('');
  return `-----BEGIN ${block.type}-----\n${headers}${headers === '' ? '' : '\n'}${block.body}\n-----END ${block.type}-----\n`;
}

function keyEncryptionKey(unlockKey: string): Buffer {
  const match = UNLOCK_KEY.exec(unlockKey.trim());
  const kek = match === null ? undefined : Buffer.from(match[1]!, 'base64');
  if (kek?.length !== nacl.secretbox.keyLength) throw new OperationError('the stored unlock key is not a Docker swarm unlock key (SWMKEY-1-…)', { hint: 'unlock the engine by hand with `docker swarm unlock` and the key kept apart' });
  return kek;
}

interface EncryptedRecord {
  algorithm: number;
  data: Uint8Array;
  nonce: Uint8Array;
}

function decodeRecord(bytes: Uint8Array): EncryptedRecord {
  const reader = protobuf.Reader.create(bytes);
  const record: EncryptedRecord = { algorithm: Algorithm.NotEncrypted, data: new Uint8Array(), nonce: new Uint8Array() };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1: record.algorithm = reader.int32(); break;
      case 2: record.data = reader.bytes(); break;
      case 3: record.nonce = reader.bytes(); break;
      default: reader.skipType(tag & 7);
    }
  }
  return record;
}

/** A header value as the engine writes it without a KEK: the record with its data in the clear. */
function plainRecord(data: Uint8Array): string {
  return Buffer.from(protobuf.Writer.create().uint32((2 << 3) | 2).bytes(data).finish()).toString('base64');
}

function openHeader(name: string, value: string, kek: Buffer, what: string): string {
  const record = decodeRecord(Buffer.from(value, 'base64'));
  if (record.algorithm === Algorithm.NotEncrypted) return value;
  if (record.algorithm === Algorithm.Fernet) throw new OperationError(`${what}: header ${name} is sealed with Fernet (a FIPS engine), which Strata does not open`, { hint: 'restore this copy by hand (docs/runbooks/swarm-restore.md, "autolock")' });
  if (record.algorithm !== Algorithm.Secretbox) throw new OperationError(`${what}: header ${name} is sealed with unknown algorithm ${record.algorithm}`, { hint: 'restore this copy by hand (docs/runbooks/swarm-restore.md, "autolock")' });
  const opened = nacl.secretbox.open(record.data, record.nonce, kek);
  if (opened === null) throw new OperationError(`${what}: the stored unlock key does not open header ${name}`, { hint: 'the key and the raft copy come from the same snapshot, so one of them is damaged: run `strata check --read-data`' });
  return plainRecord(opened);
}

/**
 * The manager's node key with its private key and raft keys no longer sealed by the unlock
 * key; a key that is not locked comes back as it was.
 */
export function unlockNodeKey(pem: string, unlockKey: string, what = 'swarm-node.key'): string {
  const block = parsePem(pem, what);
  const traditional = block.headers.some(([k, v]) => k === 'Proc-Type' && v.includes('ENCRYPTED'));
  if (block.type !== 'ENCRYPTED PRIVATE KEY' && !traditional) return pem;
  const kek = keyEncryptionKey(unlockKey);
  let key;
  try {
    key = createPrivateKey({ key: formatPem({ ...block, headers: block.headers.filter(([k]) => PEM_ENCRYPTION_HEADERS.has(k)) }), format: 'pem', passphrase: kek });
  } catch (error) {
    throw new OperationError(`${what}: the stored unlock key does not open it (${(error as Error).message})`, { hint: 'the key and the raft copy come from the same snapshot, so one of them is damaged: run `strata check --read-data`' });
  }
  const plain = parsePem(key.export({ type: 'pkcs8', format: 'pem' }) as string, what);
  const headers = block.headers
    .filter(([k]) => k !== KEK_VERSION && !PEM_ENCRYPTION_HEADERS.has(k))
    .map(([k, v]) => [k, openHeader(k, v, kek, what)] as const);
  return formatPem({ type: plain.type, headers, body: plain.body });
}
