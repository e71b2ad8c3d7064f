import { describe, expect, it } from 'vitest';
import { mkeEntry } from './entry.ts';
import type { MkeRecord } from './record.ts';
import { imageOf } from './restore.ts';

const messages = (value: unknown) => {
  const parsed = mkeEntry.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('mke entry', () => {
  it('takes the API way with a password or a bundle, and the CLI way with an image', () => {
    expect(messages({ type: 'mke', username: 'admin', passwordFile: '/p', passphraseFile: '/k' })).toEqual([]);
    expect(messages({ type: 'mke', bundle: { cert: '/c', key: '/k' }, noPassphrase: true })).toEqual([]);
    expect(messages({ type: 'mke', method: 'cli', image: 'mirantis/ucp:3.8.10', passphraseFile: '/k' })).toEqual([]);
  });

  it('names what is missing or contradictory', () => {
    expect(messages({ type: 'mke', username: 'admin', passwordFile: '/p' })).toEqual(['passphraseFile: expected the file holding the backup passphrase (or noPassphrase: true)']);
    expect(messages({ type: 'mke', username: 'admin', passwordFile: '/p', passphraseFile: '/k', noPassphrase: true })).toEqual(['passphraseFile: give passphraseFile or noPassphrase: true, not both']);
    expect(messages({ type: 'mke', method: 'cli', passphraseFile: '/k' })).toEqual(['image: expected the mirantis/ucp image of the running MKE, e.g. mirantis/ucp:3.8.10']);
    expect(messages({ type: 'mke', passphraseFile: '/k' })).toEqual(['username: expected username and passwordFile, or a client bundle\'s cert and key']);
    expect(messages({ type: 'mke', url: 'http://mke', username: 'a', passwordFile: '/p', passphraseFile: '/k' })[0]).toMatch(/^url: expected https:\/\/HOST/);
  });
});

describe('imageOf', () => {
  const record = (method: 'api' | 'cli', version: string) => ({ method, version } as MkeRecord);
  it('is the recorded MKE version\'s image, the CLI way\'s own image, or none for a version it cannot read', () => {
    expect(imageOf(record('api', 'ucp/3.8.10'))).toBe('mirantis/ucp:3.8.10');
    expect(imageOf(record('cli', 'registry.example/mirantis/ucp:3.7.2'))).toBe('registry.example/mirantis/ucp:3.7.2');
    expect(imageOf(record('api', 'unknown'))).toBeUndefined();
  });
});
