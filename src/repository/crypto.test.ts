import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationFailed, seal, SEAL_OVERHEAD, unseal } from './crypto.ts';

describe('sealing', () => {
  it('gives every sealing a fresh nonce, across refills of the nonce pool, and opens each', () => {
    const key = randomBytes(32);
    const plaintext = Buffer.from('the same plaintext every time');
    // 2,000 sealings use several pools of 341 nonces.
    const sealed = Array.from({ length: 2000 }, () => seal(key, 'blob', plaintext));
    const nonces = new Set(sealed.map((s) => s.subarray(0, 12).toString('hex')));
    expect(nonces.size).toBe(sealed.length);
    for (const s of sealed) {
      expect(s.length).toBe(plaintext.length + SEAL_OVERHEAD);
      expect(unseal(key, 'blob', s).equals(plaintext)).toBe(true);
    }
  });

  it('refuses a wrong key, a flipped byte and another kind of object', () => {
    const key = randomBytes(32);
    const sealed = seal(key, 'index', Buffer.from('{"packs":[]}'));
    expect(() => unseal(randomBytes(32), 'index', sealed)).toThrow(AuthenticationFailed);
    expect(() => unseal(key, 'snapshot', sealed)).toThrow(AuthenticationFailed);
    const flipped = Buffer.from(sealed);
    flipped[20]! ^= 1;
    expect(() => unseal(key, 'index', flipped)).toThrow(AuthenticationFailed);
  });
});
