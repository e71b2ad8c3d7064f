/**
 * Key files: the one master key, wrapped once per password (scrypt) or per age X25519
 * recipient, so credentials can be added, removed and rotated without touching data.
 */
import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { hostname } from 'node:os';
import { userName } from './user.ts';
import { promisify } from 'node:util';
import { AuthenticationFailed, seal, unseal } from './crypto.ts';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, length: number, options: object) => Promise<Buffer>;

export const KEY_FORMAT_VERSION = 1;

export interface ScryptParameters {
  readonly name: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
}

export interface KeyFile {
  readonly version: number;
  readonly kind: 'password' | 'age';
  readonly created: string;
  readonly host: string;
  readonly username: string;
  readonly kdf?: ScryptParameters;
  readonly recipient?: string;
  readonly wrapped: string;
}

/** What the user holds: a password, age identities (AGE-SECRET-KEY-1…), or both. */
export interface Credentials {
  readonly password?: string;
  readonly identities?: readonly string[];
}

/** A new key file, as a new credential is described: a password or an age recipient. */
export type NewCredential = { readonly password: string } | { readonly recipient: string };

const DEFAULT_SCRYPT = { N: 32768, r: 8, p: 1 } as const;

async function derive(password: string, kdf: ScryptParameters): Promise<Buffer> {
  return scrypt(password, Buffer.from(kdf.salt, 'base64'), 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 16 * 1024 * 1024 });
}

export async function wrapMasterKey(master: Uint8Array, credential: NewCredential): Promise<KeyFile> {
  const common = { version: KEY_FORMAT_VERSION, created: new Date().toISOString(), host: hostname(), username: userName() };
  if ('password' in credential) {
    const kdf: ScryptParameters = { name: 'scrypt', ...DEFAULT_SCRYPT, salt: randomBytes(32).toString('base64') };
    const wrappingKey = await derive(credential.password, kdf);
    return { ...common, kind: 'password', kdf, wrapped: seal(wrappingKey, 'key', master).toString('base64') };
  }
  // age is loaded only for age recipients: it is heavy, and most repositories use passwords.
  const { Encrypter } = await import('age-encryption');
  const encrypter = new Encrypter();
  encrypter.addRecipient(credential.recipient);
  const wrapped = await encrypter.encrypt(master);
  return { ...common, kind: 'age', recipient: credential.recipient, wrapped: Buffer.from(wrapped).toString('base64') };
}

/** The master key, or undefined when these credentials do not open this key file. */
export async function unwrapMasterKey(file: KeyFile, credentials: Credentials): Promise<Buffer | undefined> {
  if (file.kind === 'password' && file.kdf !== undefined && credentials.password !== undefined) {
    try {
      return unseal(await derive(credentials.password, file.kdf), 'key', Buffer.from(file.wrapped, 'base64'));
    } catch (error) {
      if (error instanceof AuthenticationFailed) return undefined;
      throw error;
    }
  }
  if (file.kind === 'age' && credentials.identities !== undefined && credentials.identities.length > 0) {
    const { Decrypter } = await import('age-encryption');
    const decrypter = new Decrypter();
    for (const identity of credentials.identities) decrypter.addIdentity(identity);
    try {
      return Buffer.from(await decrypter.decrypt(Buffer.from(file.wrapped, 'base64')));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
