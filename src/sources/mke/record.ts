/**
 * What a snapshot records of the mke source (docs/repository-format.md, "MKE"): how the
 * backup was taken, by which MKE and manager, how big and how long, whether the stored
 * archive was proven (decrypted and listed), and why it failed when it did. The archive
 * itself is the file mke/ARCHIVE in the snapshot. No secret is recorded.
 */

export interface MkeRecord {
  readonly method: 'api' | 'cli';
  /** As MKE tells it ("ucp/3.8.10"), or the image the CLI way ran. */
  readonly version: string;
  /** The manager that took the backup. */
  readonly manager: string;
  /** The API's backup ID. */
  readonly backupId?: string;
  /** The file name in the snapshot's mke directory. */
  readonly archive: string;
  readonly encrypted: boolean;
  readonly includeLogs: boolean;
  readonly bytes: number;
  readonly durationMs: number;
  /** Entries the stored archive lists (after decryption). */
  readonly entries?: number;
  /** The stored archive decrypted and listed as a good MKE backup does. */
  readonly verified: boolean;
  /** The CLI way: how the container ended, and its standard error's tail. */
  readonly exit?: string;
  readonly stderrTail?: string;
  /** Why there is no good archive, when there is not. */
  readonly failed?: string;
}
