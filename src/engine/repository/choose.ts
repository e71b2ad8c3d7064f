/**
 * A repository named in strata.yaml: its address and the credentials that open it. The
 * password is read from the file the configuration names; it never appears in the file.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Config } from '../../core/config/schema.ts';
import { UsageError } from '../../core/errors.ts';
import type { Credentials } from '../../repository/keys.ts';
import type { RepositoryAddress } from './open.ts';

export interface RepositoryChoice {
  readonly address: RepositoryAddress;
  readonly credentials: Credentials;
}

/** The first line of a secret file; `what` names where the path came from (a flag or a config field). */
export function readSecretFile(file: string, what: string): string {
  let text: string;
  try {
    warnIfShared(file, what);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${what} ${file}: cannot be read: ${(error as Error).message}`, { hint: 'pass a readable file' });
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`${what} ${file}: the file is empty`, { hint: 'write the password on its first line' });
  return secret;
}

/** The repository `name` under `repositories:`, opened with its passwordFile or STRATA_PASSWORD. */
export function configuredRepository(config: Config, name: string): RepositoryChoice {
  const entry = config.repositories[name];
  if (entry === undefined) throw new UsageError(`repository "${name}" is not under repositories: in strata.yaml`);
  const password = entry.passwordFile !== undefined ? readSecretFile(entry.passwordFile, `repositories.${name}.passwordFile`) : process.env['STRATA_PASSWORD'] || undefined;
  return { address: { url: entry.url, settings: { s3: entry.s3, sftp: entry.sftp } }, credentials: password === undefined ? {} : { password } };
}

const warned = new Set<string>();

/** A secret others may read is a leak waiting to happen; said once per file, on stderr, never refused. */
function warnIfShared(file: string, what: string): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0 || warned.has(file)) return;
  warned.add(file);
  process.stderr.write(`warning: ${what} ${file} is readable by ${mode & 0o004 ? 'everyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${file}\n`);
}
