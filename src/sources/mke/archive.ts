/**
 * An MKE archive on its way into the repository, however it was taken: its bytes, who took
 * it, and, once they are read, how the taking ended (the CLI way's container exit) and what
 * to tidy up (the API way's file on this manager).
 */
export interface TakenArchive {
  readonly bytes: AsyncIterable<Uint8Array>;
  /** "ucp/3.8.10" from the API, or the image the CLI way ran. */
  readonly version: string;
  readonly manager: string;
  readonly backupId?: string;
  /** Called once the bytes are read: why the taking failed, if it did, and the tool's exit. */
  finished(): Promise<{ readonly failed?: string; readonly exit?: string; readonly stderrTail?: string }>;
  /** Removes what the backup left on this node; a warning when it could not. */
  tidy?(): Promise<string | undefined>;
}
