/**
 * Secrets a source reads from files (passwords, passphrases, environment files): a missing or
 * unreadable file is a usage error naming the setting; a file others may read is said, not
 * refused (as for password files). What is read goes to a program's environment, a request's
 * body or Strata's own encryption — never to an argument list, a record or a log.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';

/** The file's whole text; `warn` hears when others may read it. */
export function readSecretText(file: string, field: string, warn: (message: string) => void): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${field}: ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { hint: 'give a file this user can read (mode 0600)' });
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) warn(`${field}: ${file} is readable by ${mode & 0o004 ? 'everyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${file}`);
  return text;
}

/** A one-value secret (a password, a passphrase): the file's text without its trailing newline. */
export function readSecretValue(file: string, field: string, warn: (message: string) => void): string {
  return readSecretText(file, field, warn).replace(/\r?\n$/, '');
}
