import { describe, expect, it } from 'vitest';
import { parseSize } from './size.ts';
import { blockSizeOf } from './volumes/block-size.ts';

describe('parseSize', () => {
  it('reads plain bytes and binary units, and nothing else', () => {
    expect(parseSize('65536')).toBe(65536);
    expect(parseSize('64KiB')).toBe(65536);
    expect(parseSize('4M')).toBe(4 * 2 ** 20);
    expect(parseSize('1 GiB')).toBe(2 ** 30);
    for (const bad of ['', 'MiB', '4.5MiB', '4 parsecs', '-1']) expect(parseSize(bad)).toBeUndefined();
  });
});

describe('blockSizeOf', () => {
  it('takes powers of two from 64KiB to 32MiB and names the flag otherwise', () => {
    expect(blockSizeOf('64KiB', '--rbd-block-size')).toBe(65536);
    expect(blockSizeOf('4MiB', '--rbd-block-size')).toBe(4 * 2 ** 20);
    for (const bad of ['32KiB', '64MiB', '96KiB', 'big']) expect(() => blockSizeOf(bad, '--rbd-block-size')).toThrow(`--rbd-block-size ${bad}: expected a power of two from 64KiB to 32MiB`);
  });
});
