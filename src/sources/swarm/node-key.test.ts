import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import protobuf from 'protobufjs';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { unlockNodeKey } from './node-key.ts';

// A locked manager key as swarmkit writes it: PKCS#8 encrypted with the KEK as passphrase,
// the raft DEK sealed with secretbox under the KEK in a MaybeEncryptedRecord header.
const kek = randomBytes(32);
const unlockKey = `SWMKEY-1-${kek.toString('base64').replace(/=+$/, '')}`;
const dek = randomBytes(32);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function sealed(data: Uint8Array, key: Uint8Array): string {
  const nonce = randomBytes(24);
  const box = nacl.secretbox(data, nonce, key);
  return Buffer.from(protobuf.Writer.create().uint32(8).int32(1).uint32(18).bytes(box).uint32(26).bytes(nonce).finish()).toString('base64');
}

function lockedKey(): string {
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: kek }) as string;
  const [begin, ...rest] = pem.trim().split('\n');
  return [begin, 'kek-version: 23', `raft-dek: ${sealed(dek, kek)}`, '', ...rest].join('\n') + '\n';
}

function header(pem: string, name: string): string | undefined {
  return pem.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
}

describe('unlockNodeKey', () => {
  it('opens the private key and the raft key with the unlock key, and drops the KEK version', () => {
    const unlocked = unlockNodeKey(lockedKey(), unlockKey);
    expect(unlocked.split('\n')[0]).toBe('-----BEGIN PRIVATE KEY-----');
    expect(header(unlocked, 'kek-version')).toBeUndefined();
    const record = protobuf.Reader.create(Buffer.from(header(unlocked, 'raft-dek')!, 'base64'));
    expect(record.uint32()).toBe(18);
    expect(Buffer.from(record.bytes())).toEqual(dek);
    // The key itself reads without a passphrase, and is the same key.
    const body = unlocked.replace(/^raft-dek: .*\n\n/m, '');
    expect(createPrivateKey(body).export({ type: 'pkcs8', format: 'der' })).toEqual(privateKey.export({ type: 'pkcs8', format: 'der' }));
  });

  it('leaves a key that is not locked as it was', () => {
    const plain = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(unlockNodeKey(plain, unlockKey)).toBe(plain);
  });

  it('names what is wrong when the key does not fit', () => {
    const other = `SWMKEY-1-${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    expect(() => unlockNodeKey(lockedKey(), other)).toThrow(/stored unlock key does not open it/);
    expect(() => unlockNodeKey(lockedKey(), 'not-a-key')).toThrow(/not a Docker swarm unlock key/);
    expect(() => unlockNodeKey('garbage', unlockKey)).toThrow(/not a PEM key/);
  });
});
