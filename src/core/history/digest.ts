/**
 * Values history must not reveal (Secret data, values the plan marks sensitive) are written
 * as a keyed digest: the same value gives the same line, a changed value a changed line, and
 * without the key (derived from the backup repository's master key) nobody can test guesses
 * against it — a plain hash of a short password could be brute-forced from git.
 */
export type Digest = (value: Uint8Array) => string;

export const DIGEST_PREFIX = 'hmac-sha256:';

/** Builds the digest text from a keyed MAC function (the caller holds the key). */
export function digestWith(mac: (value: Uint8Array) => Buffer): Digest {
  // 128 bits of the HMAC: as unguessable, and a shorter line to read in a diff.
  return (value) => `${DIGEST_PREFIX}${mac(value).subarray(0, 16).toString('hex')}`;
}
