/**
 * Opening a repository for a command: the backend for its URL, then its key. Errors on the
 * way are worded for the operator; a backend that cannot be reached says so once.
 */
import { StrataError } from '../../core/errors.ts';
import type { Credentials, NewCredential } from '../../repository/keys.ts';
import { Repository } from '../../repository/repository.ts';
import type { Backend } from '../../storage/backend.ts';
import { openBackend, type BackendSettings } from '../../storage/open.ts';
import { StorageError } from '../../storage/errors.ts';

export interface RepositoryAddress {
  readonly url: string;
  readonly settings: BackendSettings;
}

function worded(url: string, error: unknown): unknown {
  if (error instanceof StrataError) return error;
  return new StorageError(`repository ${url}: ${(error as Error).message}`, { cause: error, hint: 'check the URL, that the storage is reachable, and its credentials' });
}

/** Runs `use` on a fresh backend for the address; closes it again when `use` fails. */
async function onBackend<T>(address: RepositoryAddress, use: (backend: Backend) => Promise<T>): Promise<T> {
  const backend = openBackend(address.url, address.settings);
  try {
    return await use(backend);
  } catch (error) {
    await backend.close?.();
    throw worded(address.url, error);
  }
}

export function openRepository(address: RepositoryAddress, credentials: Credentials): Promise<Repository> {
  return onBackend(address, (backend) => Repository.open(backend, credentials));
}

export function initRepository(address: RepositoryAddress, credential: NewCredential): Promise<Repository> {
  return onBackend(address, (backend) => Repository.init(backend, credential));
}

/** `strata repair config`: a new config for a repository that lost its own (see Repository.repairConfig). */
export function repairRepositoryConfig(address: RepositoryAddress, credentials: Credentials): ReturnType<typeof Repository.repairConfig> {
  return onBackend(address, (backend) => Repository.repairConfig(backend, credentials));
}
