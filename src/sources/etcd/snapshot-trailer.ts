/**
 * etcd streams a snapshot as the database followed by the SHA-256 of the database: the
 * trailer `etcdutl snapshot restore` checks. This splits the two as bytes arrive, holding
 * back only the last 32, and checks the trailer at the end.
 */
import { createHash, type Hash } from 'node:crypto';

export const TRAILER_BYTES = 32;

export class SnapshotTrailer {
  private readonly hash: Hash = createHash('sha256');
  private held: Buffer = Buffer.alloc(0);
  private databaseBytes = 0;

  /**
   * Takes the next bytes of the stream; returns those now known to be database bytes, as
   * views of what was given (a snapshot passes through without being copied).
   */
  push(bytes: Uint8Array): Uint8Array[] {
    const known: Uint8Array[] = [];
    const release = this.held.length + bytes.length - TRAILER_BYTES;
    if (release <= 0) {
      this.held = Buffer.concat([this.held, bytes]);
      return known;
    }
    if (release >= this.held.length) {
      if (this.held.length > 0) known.push(this.held);
      known.push(bytes.subarray(0, release - this.held.length));
      this.held = Buffer.from(bytes.subarray(release - this.held.length));
    } else {
      known.push(this.held.subarray(0, release));
      this.held = Buffer.concat([this.held.subarray(release), bytes]);
    }
    for (const piece of known) {
      this.hash.update(piece);
      this.databaseBytes += piece.length;
    }
    return known;
  }

  /** The database's length and SHA-256; throws when the trailer is missing or does not match. */
  finish(): { size: number; sha256: string } {
    if (this.held.length < TRAILER_BYTES) throw new TrailerMismatch(`the snapshot is ${this.databaseBytes + this.held.length} bytes: too short to hold a SHA-256 trailer`);
    const actual = this.hash.digest();
    if (!actual.equals(this.held)) {
      throw new TrailerMismatch(`SHA-256 of the database is ${actual.toString('hex').slice(0, 16)}…, the trailer says ${this.held.toString('hex').slice(0, 16)}…`);
    }
    return { size: this.databaseBytes, sha256: actual.toString('hex') };
  }
}

export class TrailerMismatch extends Error {}
