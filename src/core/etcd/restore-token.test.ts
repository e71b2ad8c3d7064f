import { describe, expect, it } from 'vitest';
import { restoreToken } from './restore-token.ts';

describe('restore token', () => {
  const cluster = 'cp-1=https://10.0.0.1:2380,cp-2=https://10.0.0.2:2380,cp-3=https://10.0.0.3:2380';

  it('is the same for the same snapshot and members, however often and in whatever order they are given', () => {
    const token = restoreToken('4f2a9c1e0b7d33aa', cluster);
    expect(token).toMatch(/^strata-4f2a9c1e-[0-9a-f]{8}$/);
    expect(restoreToken('4f2a9c1e0b7d33aa', cluster)).toBe(token);
    expect(restoreToken('4f2a9c1e0b7d33aa', cluster.split(',').reverse().join(', '))).toBe(token);
  });

  it('differs for another snapshot or another member set', () => {
    const token = restoreToken('4f2a9c1e0b7d33aa', cluster);
    expect(restoreToken('4f2a9c1e0b7d33ab', cluster)).not.toBe(token);
    expect(restoreToken('4f2a9c1e0b7d33aa', cluster.replace('10.0.0.3', '10.0.0.4'))).not.toBe(token);
  });
});
