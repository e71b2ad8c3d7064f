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

  /** Takes the next bytes of the stream; returns those now known to be database bytes. */
  push(bytes: Uint8Array): Buffer {
    const all = this.held.length === 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) : Buffer.concat([this.held, bytes]);
    const split = Math.max(0, all.length - TRAILER_BYTES);
    const database = all.subarray(0, split);
    this.held = Buffer.from(all.subarray(split));
    this.hash.update(database);
    this.databaseBytes += database.length;
    return database;
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
