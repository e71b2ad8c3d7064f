import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/memory.ts';
import { packKey } from './pack.ts';
import { PackWindows } from './pack-windows.ts';

const KiB = 1024;

/** A memory backend that counts reads. */
class CountingBackend extends MemoryBackend {
  loads: { key: string; offset: number; length: number | undefined }[] = [];
  override load(key: string, offset = 0, length?: number): Promise<Uint8Array> {
    this.loads.push({ key, offset, length });
    return super.load(key, offset, length);
  }
}

async function setup(size: number) {
  const backend = new CountingBackend();
  const pack = randomBytes(32).toString('hex');
  const bytes = randomBytes(size);
  await backend.save(packKey(pack), bytes);
  return { backend, pack, bytes };
}

describe('PackWindows', () => {
  it('reads small blobs that follow each other with one read per window, and each exactly', async () => {
    const { backend, pack, bytes } = await setup(300 * KiB);
    const windows = new PackWindows(backend, { size: 128 * KiB, count: 2 });
    for (let offset = 0; offset + 10 * KiB <= bytes.length; offset += 10 * KiB) {
      expect(Buffer.from(await windows.read(pack, offset, 10 * KiB, bytes.length)).equals(bytes.subarray(offset, offset + 10 * KiB))).toBe(true);
    }
    // 30 blobs of 10 KiB in windows of 128 KiB: a read at 0, at 120 KiB and at 240 KiB.
    expect(backend.loads.map((l) => l.offset)).toEqual([0, 120 * KiB, 240 * KiB]);
    // The last window stops at the end of the pack.
    expect(backend.loads.at(-1)!.length).toBe(60 * KiB);
  });

  it('reads large blobs on their own, and shares a window between concurrent readers', async () => {
    const { backend, pack, bytes } = await setup(1024 * KiB);
    const windows = new PackWindows(backend, { size: 128 * KiB, count: 2 });
    await windows.read(pack, 100 * KiB, 64 * KiB, bytes.length);
    expect(backend.loads).toEqual([{ key: packKey(pack), offset: 100 * KiB, length: 64 * KiB }]);
    backend.loads = [];
    const got = await Promise.all([0, 1, 2, 3].map((i) => windows.read(pack, 500 * KiB + i * KiB, KiB, bytes.length)));
    expect(backend.loads).toHaveLength(1);
    got.forEach((g, i) => expect(Buffer.from(g).equals(bytes.subarray(500 * KiB + i * KiB, 501 * KiB + i * KiB))).toBe(true));
  });

  it('keeps only the last few windows, and reads a blob alone when its window cannot be read', async () => {
    const { backend, pack, bytes } = await setup(1024 * KiB);
    const windows = new PackWindows(backend, { size: 64 * KiB, count: 2 });
    for (const offset of [0, 100 * KiB, 200 * KiB, 0]) await windows.read(pack, offset, KiB, bytes.length);
    // The window at 0 was dropped for the two after it, so it is read again.
    expect(backend.loads.map((l) => l.offset)).toEqual([0, 100 * KiB, 200 * KiB, 0]);
    backend.loads = [];
    // The index says the pack is longer than it is (a truncated file): the blob itself still reads.
    const blob = await windows.read(pack, 1000 * KiB, KiB, 2048 * KiB);
    expect(Buffer.from(blob).equals(bytes.subarray(1000 * KiB, 1001 * KiB))).toBe(true);
    expect(backend.loads.map((l) => l.length)).toEqual([64 * KiB, KiB]);
  });
});
