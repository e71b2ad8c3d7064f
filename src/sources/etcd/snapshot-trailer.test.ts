import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotTrailer, TrailerMismatch } from './snapshot-trailer.ts';

function stream(database: Buffer): Buffer {
  return Buffer.concat([database, createHash('sha256').update(database).digest()]);
}

function feed(bytes: Buffer, cuts: readonly number[]): { database: Buffer; trailer: SnapshotTrailer } {
  const trailer = new SnapshotTrailer();
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    const end = Math.min(Math.max(cut, at), bytes.length);
    parts.push(...trailer.push(bytes.subarray(at, end)));
    at = end;
  }
  return { database: Buffer.concat(parts), trailer };
}

describe('SnapshotTrailer', () => {
  it('property: however the stream is cut, it yields exactly the database and checks its SHA-256', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.array(fc.nat({ max: 5100 }), { maxLength: 8 }), (db, cuts) => {
        const database = Buffer.from(db);
        const { database: out, trailer } = feed(stream(database), [...cuts].sort((a, b) => a - b));
        expect(out.equals(database)).toBe(true);
        expect(trailer.finish()).toEqual({ size: database.length, sha256: createHash('sha256').update(database).digest('hex') });
      }),
    );
  });

  it('rejects a flipped byte and a stream too short for a trailer', () => {
    const bytes = stream(randomBytes(4096));
    bytes[100]! ^= 1;
    expect(() => feed(bytes, [1000]).trailer.finish()).toThrow(TrailerMismatch);
    expect(() => feed(randomBytes(20), []).trailer.finish()).toThrow(/too short/);
  });
});
