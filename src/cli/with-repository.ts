/** Opens the repository a command names, runs the work, and always closes its connections. */
import { openRepository } from '../engine/repository/open.ts';
import type { Repository } from '../repository/repository.ts';
import type { GlobalOptions } from './global-options.ts';
import { chooseRepository } from './repository-options.ts';

export async function withRepository<T>(global: GlobalOptions, work: (repository: Repository) => Promise<T>): Promise<T> {
  const choice = chooseRepository(global);
  const repository = await openRepository(choice.address, choice.credentials);
  try {
    return await work(repository);
  } finally {
    await repository.backend.close?.();
  }
}

export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
