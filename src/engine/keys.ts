/** Key management: list, add, remove, and change the password; data is never rewritten. */
import { UsageError } from '../core/errors.ts';
import type { Id } from '../repository/hash.ts';
import type { NewCredential } from '../repository/keys.ts';
import { Lock } from '../repository/lock.ts';
import { listKeyFiles, type Repository } from '../repository/repository.ts';

export interface KeyListing {
  readonly id: Id;
  readonly kind: string;
  readonly created: string;
  readonly host: string;
  readonly username: string;
  readonly recipient?: string;
  /** Why the key file opens nothing, when it is damaged. */
  readonly damaged?: string;
  /** Whether this session opened the repository with it. */
  readonly current: boolean;
}

export async function listKeys(repository: Repository): Promise<KeyListing[]> {
  const keys: KeyListing[] = [];
  for await (const key of listKeyFiles(repository.backend)) {
    const id = key.id;
    if ('damaged' in key) {
      keys.push({ id, kind: 'damaged', created: '', host: '', username: '', damaged: key.damaged, current: false });
      continue;
    }
    const file = key.file;
    keys.push({
      id,
      kind: file.kind,
      created: file.created,
      host: file.host,
      username: file.username,
      ...(file.recipient === undefined ? {} : { recipient: file.recipient }),
      current: id === repository.keyId,
    });
  }
  return keys.sort((a, b) => a.created.localeCompare(b.created));
}

async function exclusively<T>(repository: Repository, operation: string, work: () => Promise<T>): Promise<T> {
  const lock = await Lock.acquire(repository, operation, 'exclusive');
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

export function addKey(repository: Repository, credential: NewCredential): Promise<Id> {
  return exclusively(repository, 'key add', () => repository.addKey(credential));
}

export function removeKey(repository: Repository, ref: string): Promise<Id> {
  return exclusively(repository, 'key remove', async () => {
    const keys = await listKeys(repository);
    const matches = keys.filter((k) => k.id.startsWith(ref.toLowerCase()));
    if (matches.length !== 1) {
      throw new UsageError(matches.length === 0 ? `no key ${ref} in this repository` : `key ID ${ref} is ambiguous`, { hint: 'list keys with `strata key list`' });
    }
    const key = matches[0]!;
    if (key.current) throw new UsageError(`key ${ref} is the one this command opened the repository with`, { hint: 'open with another key to remove this one, or use `strata key passwd` to replace it' });
    await repository.backend.remove(`keys/${key.id}`);
    return key.id;
  });
}

/** Adds a key with the new password, then removes the one in use. */
export function changePassword(repository: Repository, password: string): Promise<{ added: Id; removed: Id }> {
  return exclusively(repository, 'key passwd', async () => {
    const added = await repository.addKey({ password });
    await repository.backend.remove(`keys/${repository.keyId}`);
    return { added, removed: repository.keyId };
  });
}
