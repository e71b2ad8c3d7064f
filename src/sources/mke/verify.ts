/**
 * Proves a stored MKE archive usable, as MKE's backup procedure checks one by hand (`gpg
 * --decrypt backup.tar | tar --list`): it is read back from the repository, decrypted with
 * the passphrase, and listed. MKE's documentation: a valid backup holds at least 27 files,
 * ./ucp-controller-server-certs/key.pem among them.
 */
import { TarLister } from '../tar-listing.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import { storedBytes } from '../program-output.ts';
import { decrypt } from './passphrase-archive.ts';

export const MIN_ENTRIES = 27;
export const REQUIRED_ENTRY = './ucp-controller-server-certs/key.pem';

export interface ArchiveCheck {
  readonly entries: number;
  /** Why the archive is not a good MKE backup, when it is not. */
  readonly problem?: string;
}

export async function checkArchive(repository: Repository, content: readonly Id[], passphrase: string | undefined): Promise<ArchiveCheck> {
  const lister = new TarLister();
  try {
    const bytes = storedBytes(repository, content);
    for await (const piece of passphrase === undefined ? bytes : decrypt(bytes, passphrase)) lister.push(piece);
  } catch (error) {
    return { entries: lister.finish().entries.length, problem: `it does not decrypt with the passphrase: ${(error as Error).message}` };
  }
  const listing = lister.finish();
  const entries = listing.entries.length;
  if (listing.error !== undefined) return { entries, problem: listing.error };
  const names = new Set(listing.entries.map((e) => (e.startsWith('./') ? e : `./${e}`)));
  if (!names.has(REQUIRED_ENTRY)) return { entries, problem: `it lacks ${REQUIRED_ENTRY}, which every MKE backup holds` };
  if (entries < MIN_ENTRIES) return { entries, problem: `it lists ${entries} entries; a good MKE backup holds at least ${MIN_ENTRIES}` };
  return { entries };
}
