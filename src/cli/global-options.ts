/**
 * The options every command accepts, kubectl/restic style, and how they resolve against the
 * environment and strata.yaml. Flags beat environment variables, which beat the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { parseConfig } from '../core/config/load.ts';
import { configSchema } from '../sources/registry.ts';
import type { Config } from '../core/config/schema.ts';
import { ConfigError } from '../core/errors.ts';

export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly repo?: string;
  readonly passwordFile?: string;
  readonly identityFile?: string;
  readonly config?: string;
  readonly json: boolean;
  readonly logLevel: string;
  readonly progress: boolean;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context to use')
    .addOption(new Option('--repo <url>', 'repository: a path, s3://bucket/prefix, sftp://user@host/path, or a name from strata.yaml').env('STRATA_REPO'))
    .addOption(new Option('--password-file <path>', 'file holding the repository password (or set STRATA_PASSWORD)').env('STRATA_PASSWORD_FILE'))
    .addOption(new Option('--identity-file <path>', 'age identity file (AGE-SECRET-KEY-1…) that opens the repository').env('STRATA_IDENTITY_FILE'))
    .option('--config <path>', 'configuration file (default: ./strata.yaml, then ~/.config/strata/strata.yaml)')
    .option('--json', 'print machine-readable JSON on stdout', false)
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['error', 'warn', 'info', 'debug']).default('warn'))
    .option('--no-progress', 'do not draw progress bars, even on a terminal');
}

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from, or undefined when none exists (an empty configuration). */
  readonly file: string | undefined;
}

export function loadConfig(options: GlobalOptions): LoadedConfig {
  const candidates = options.config !== undefined ? [options.config] : ['strata.yaml', join(homedir(), '.config', 'strata', 'strata.yaml')];
  const file = candidates.find((path) => existsSync(path));
  if (file === undefined) {
    if (options.config !== undefined) throw new ConfigError(`--config ${options.config}: no such file`, { hint: 'pass an existing file, or omit --config' });
    return { config: parseConfig('', '(none)', configSchema), file: undefined };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot be read: ${(error as Error).message}`, { cause: error });
  }
  return { config: parseConfig(text, file, configSchema), file };
}
