import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SmallFileWriter } from './small-file-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-small-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the small-file writer', () => {
  it('writes each file of a batch with its content, holes, mode and time, and names the one it cannot write', async () => {
    const writer = new SmallFileWriter();
    const sparse = Buffer.alloc(3 * 4096);
    sparse.write('head', 0);
    const [plain, holes, missing] = await Promise.allSettled([
      writer.write({ path: join(dir, 'plain.txt'), content: [Buffer.from('two '), Buffer.from('parts')], openMode: 0o640, mtimeNs: '1700000000123456789' }),
      writer.write({ path: join(dir, 'sparse.img'), content: [sparse], openMode: 0o600, mode: 0o4755, mtimeNs: '1600000000000000001' }),
      writer.write({ path: join(dir, 'no-such-dir', 'x'), content: [Buffer.from('x')], openMode: 0o600, mtimeNs: '0' }),
    ]);
    expect(plain).toEqual({ status: 'fulfilled', value: undefined });
    expect(holes).toEqual({ status: 'fulfilled', value: undefined });
    expect(missing.status).toBe('rejected');
    expect(((missing as PromiseRejectedResult).reason as Error).message).toMatch(/ENOENT/);

    expect(readFileSync(join(dir, 'plain.txt'), 'utf8')).toBe('two parts');
    const plainStat = statSync(join(dir, 'plain.txt'), { bigint: true });
    expect(plainStat.mtimeNs).toBe(1700000000123456789n);
    expect(Number(plainStat.mode & 0o7777n) & ~0o022).toBe(0o640 & ~0o022);
    const sparseStat = statSync(join(dir, 'sparse.img'));
    expect(readFileSync(join(dir, 'sparse.img')).equals(sparse)).toBe(true);
    expect(sparseStat.mode & 0o7777).toBe(0o4755);
    // The two zero blocks at the end are a hole: fewer blocks than the length needs.
    expect(sparseStat.blocks * 512).toBeLessThan(sparse.length);
    await writer.close();
  });

  it('refuses work once it is closed', async () => {
    const writer = new SmallFileWriter();
    await writer.close();
    await expect(writer.write({ path: join(dir, 'late.txt'), content: [Buffer.from('late')], openMode: 0o600, mtimeNs: '0' })).rejects.toThrow(/file writer is closed/);
  });
});
