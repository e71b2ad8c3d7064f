import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TarLister } from './tar-listing.ts';

/** A real tar (GNU tar, then pax format) of a few files, one with a name over 100 bytes. */
function realTar(format: 'gnu' | 'pax'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'strata-tar-'));
  const long = 'd'.repeat(60) + '/' + 'f'.repeat(70) + '.pem';
  mkdirSync(join(dir, 'ucp-controller-server-certs'));
  mkdirSync(join(dir, 'd'.repeat(60)));
  writeFileSync(join(dir, 'ucp-controller-server-certs', 'key.pem'), 'KEY\n');
  writeFileSync(join(dir, long), 'x'.repeat(1000));
  writeFileSync(join(dir, 'empty'), '');
  return execFileSync('tar', ['-C', dir, `--format=${format}`, '--sort=name', '-cf', '-', '.'], { maxBuffer: 1 << 24 });
}

function list(bytes: Buffer, cuts: readonly number[] = []): ReturnType<TarLister['finish']> {
  const lister = new TarLister();
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    lister.push(bytes.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
  }
  lister.push(bytes.subarray(at));
  return lister.finish();
}

describe('TarLister', () => {
  it.each(['gnu', 'pax'] as const)('lists a real %s tar, long names included, however the stream is cut', (format) => {
    const tar = realTar(format);
    const whole = list(tar);
    expect(whole.error).toBeUndefined();
    expect(whole.complete).toBe(true);
    expect(whole.entries).toContain('./ucp-controller-server-certs/key.pem');
    expect(whole.entries).toContain(`./${'d'.repeat(60)}/${'f'.repeat(70)}.pem`);
    expect(whole.entries).toContain('./empty');
    fc.assert(fc.property(fc.array(fc.nat({ max: tar.length }), { maxLength: 8 }), (cuts) => {
      expect(list(tar, cuts)).toEqual(whole);
    }), { numRuns: 60 });
  });

  it('fails an archive cut short, an empty stream, and bytes that are not a tar', () => {
    const tar = realTar('gnu');
    expect(list(tar.subarray(0, 1024)).error).toMatch(/cut short/);
    expect(list(Buffer.alloc(0)).error).toMatch(/empty archive/);
    expect(list(Buffer.alloc(1024)).error).toMatch(/empty archive/);
    const garbage = Buffer.from(tar);
    garbage[10] = garbage[10]! ^ 0xff;
    expect(list(garbage).error).toMatch(/wrong checksum/);
    expect(list(Buffer.from('-----BEGIN PGP MESSAGE-----'.repeat(40))).error).toMatch(/wrong checksum/);
  });
});
