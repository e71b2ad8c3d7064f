/**
 * What a snapshot records of the msr source (docs/repository-format.md, "MSR"): the image
 * and replica the backup ran with, on which node, how it ended, how big, and that image
 * content is not in it. The archive is the file msr/msr-backup.tar. No secret is recorded.
 */

export const NOT_IN_BACKUP = 'image content (blobs) is not in an MSR backup: keep it with the registry source or the storage backend\'s own copies';

export interface MsrRecord {
  readonly image: string;
  readonly replicaId: string;
  readonly node: string;
  readonly archive: string;
  readonly exit: string;
  readonly stderrTail: string;
  readonly bytes: number;
  readonly durationMs: number;
  /** Entries the stored archive lists. */
  readonly entries?: number;
  readonly notIncluded: string;
  readonly failed?: string;
}
