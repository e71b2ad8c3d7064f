/**
 * Which repository a command means, and the credentials to open it: --repo is a URL or a
 * name under `repositories:` in strata.yaml; the password comes from --password-file,
 * STRATA_PASSWORD_FILE or STRATA_PASSWORD, and never from a command line argument.
 */
import { UsageError } from '../core/errors.ts';
import { readSecretFile, type RepositoryChoice } from '../engine/repository/choose.ts';
import type { RepositoryAddress } from '../engine/repository/open.ts';
import { loadConfig, type GlobalOptions } from './global-options.ts';

function readIdentities(file: string, flag: string): string[] {
  const keys = readSecretFile(file, flag).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (keys.length === 0) throw new UsageError(`${flag} ${file}: no AGE-SECRET-KEY-1… line found`, { hint: 'generate one with age-keygen' });
  return keys;
}

export { readSecretFile, type RepositoryChoice };

export function chooseRepository(options: GlobalOptions, repo = options.repo, flags = { repo: '--repo', password: '--password-file', identity: '--identity-file' }, passwordFile = options.passwordFile, identityFile = options.identityFile): RepositoryChoice {
  if (repo === undefined || repo === '') {
    throw new UsageError(`no repository given`, { hint: `pass ${flags.repo} PATH|s3://BUCKET/PREFIX|sftp://USER@HOST/PATH|NAME, or set STRATA_REPO` });
  }
  const { config } = loadConfig(options);
  const named = /^[a-z0-9][a-z0-9-]*$/i.test(repo) ? config.repositories[repo] : undefined;
  const address: RepositoryAddress = named === undefined ? { url: repo, settings: {} } : { url: named.url, settings: { s3: named.s3, sftp: named.sftp } };
  // An empty variable (STRATA_PASSWORD_FILE=) means unset, as shells and systemd write it.
  if (passwordFile === '') passwordFile = undefined;
  if (identityFile === '') identityFile = undefined;
  const password =
    passwordFile !== undefined ? readSecretFile(passwordFile, flags.password)
    : named?.passwordFile !== undefined ? readSecretFile(named.passwordFile, `repositories.${repo}.passwordFile`)
    : process.env.STRATA_PASSWORD || undefined;
  const identities = identityFile === undefined ? undefined : readIdentities(identityFile, flags.identity);
  return { address, credentials: { ...(password === undefined ? {} : { password }), ...(identities === undefined ? {} : { identities }) } };
}
