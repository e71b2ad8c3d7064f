/**
 * The MKE source's secrets, read from their files when the run is prepared (a missing,
 * unreadable or empty file stops the run before anything starts). They go into an API
 * request's body or into Strata's own encryption: never on a command line, into a record
 * or into a log.
 */
import { UsageError } from '../../core/errors.ts';
import { readSecretValue } from '../secret-file.ts';
import type { MkeEntry } from './entry.ts';

export interface MkeSecrets {
  readonly password?: string;
  readonly passphrase?: string;
}

function secret(file: string, field: string, warn: (message: string) => void): string {
  const value = readSecretValue(file, field, warn);
  if (value === '') throw new UsageError(`${field}: ${file} is empty`, { hint: 'put the secret in it, on one line' });
  return value;
}

export function mkeSecrets(entry: MkeEntry, field: (key: string) => string, warn: (message: string) => void): MkeSecrets {
  const passphrase = entry.passphraseFile === undefined ? undefined : secret(entry.passphraseFile, field('passphraseFile'), warn);
  // MKE refuses shorter passphrases; say so before a backup is started.
  if (passphrase !== undefined && Buffer.byteLength(passphrase) < 12) throw new UsageError(`${field('passphraseFile')}: the passphrase in ${entry.passphraseFile} is shorter than 12 characters`, { hint: 'MKE requires at least 12; put a longer one in the file' });
  const password = entry.method === 'api' && entry.bundle === undefined ? secret(entry.passwordFile!, field('passwordFile'), warn) : undefined;
  return { ...(passphrase !== undefined && { passphrase }), ...(password !== undefined && { password }) };
}
