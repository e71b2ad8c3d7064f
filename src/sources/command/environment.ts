/**
 * The environment a command runs with: Strata's own, the entry's plain settings, then the
 * variables of its env files and its one-value files. Secrets reach the program here, so
 * they are in no argument list (`ps` shows those to every user), no record and no log.
 */
import { UsageError } from '../../core/errors.ts';
import { readSecretText, readSecretValue } from '../secret-file.ts';
import type { CommandEntry } from './entry.ts';

export interface CommandEnvironment {
  readonly env: NodeJS.ProcessEnv;
  /** Files others may read: said, not refused (as for password files). */
  readonly warnings: readonly string[];
}

/** KEY=VALUE lines; blank lines and # comments skipped; a value may be quoted. */
export function parseEnvFile(text: string, where: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match === null) throw new UsageError(`${where}, line ${i + 1}: expected KEY=VALUE`, { hint: 'one variable per line; # starts a comment' });
    const value = match[2]!;
    vars[match[1]!] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return vars;
}

export function commandEnvironment(entry: CommandEntry, field: (key: string) => string): CommandEnvironment {
  const warnings: string[] = [];
  const warn = (message: string) => void warnings.push(message);
  const env: NodeJS.ProcessEnv = { ...process.env, ...entry.env };
  // Strata's own secrets are not the command's business.
  delete env['STRATA_PASSWORD'];
  for (const [i, file] of (entry.envFiles ?? []).entries()) Object.assign(env, parseEnvFile(readSecretText(file, `${field('envFiles')}[${i}]`, warn), file));
  for (const [key, file] of Object.entries(entry.envFromFiles ?? {})) env[key] = readSecretValue(file, `${field('envFromFiles')}.${key}`, warn);
  return { env, warnings };
}
