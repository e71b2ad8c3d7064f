/**
 * Content-defined chunking, `fastcdc-gear32-v1` (docs/repository-format.md). Boundaries
 * are part of the format: changing anything here changes which chunks deduplicate, so the
 * test vectors in chunker.test.ts pin them.
 */
import { createHmac } from 'node:crypto';

export interface ChunkerParameters {
  readonly algorithm: 'fastcdc-gear32-v1';
  readonly minSize: number;
  readonly avgSize: number;
  readonly maxSize: number;
  /** 64 hex digits, random per repository. */
  readonly gearSeed: string;
}

export const DEFAULT_CHUNK_SIZES = { minSize: 512 * 1024, avgSize: 1024 * 1024, maxSize: 8 * 1024 * 1024 } as const;

export function gearTable(seed: string): Uint32Array {
  const key = Buffer.from(seed, 'hex');
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) table[i] = createHmac('sha256', key).update(Buffer.of(i)).digest().readUInt32BE(0);
  return table;
}

function topBits(count: number): number {
  return (0xffffffff << (32 - count)) >>> 0;
}

export class Chunker {
  readonly minSize: number;
  readonly avgSize: number;
  readonly maxSize: number;
  private readonly gear: Uint32Array;
  private readonly maskS: number;
  private readonly maskL: number;

  constructor(parameters: ChunkerParameters) {
    const bits = Math.log2(parameters.avgSize);
    if (!Number.isInteger(bits) || parameters.minSize >= parameters.avgSize || parameters.avgSize >= parameters.maxSize) {
      throw new Error(`invalid chunker sizes ${parameters.minSize}/${parameters.avgSize}/${parameters.maxSize}`);
    }
    this.minSize = parameters.minSize;
    this.avgSize = parameters.avgSize;
    this.maxSize = parameters.maxSize;
    this.gear = gearTable(parameters.gearSeed);
    this.maskS = topBits(bits + 2);
    this.maskL = topBits(bits - 2);
  }

  /**
   * The length of the chunk that starts at `start` in `data[start, end)`. When the data
   * ends before a boundary is found and `final` is false, returns -1: the caller must read
   * more (at least `maxSize` bytes, or to the end of the file) and ask again.
   */
  cut(data: Uint8Array, start: number, end: number, final: boolean): number {
    const available = end - start;
    if (available <= this.minSize) return final ? available : -1;
    const gear = this.gear;
    const normal = start + Math.min(this.avgSize, available);
    const limit = start + Math.min(this.maxSize, available);
    let h = 0;
    let i = start + this.minSize;
    const maskS = this.maskS;
    for (; i < normal; i++) {
      h = ((h << 1) + gear[data[i]!]!) >>> 0;
      if ((h & maskS) === 0) return i + 1 - start;
    }
    const maskL = this.maskL;
    for (; i < limit; i++) {
      h = ((h << 1) + gear[data[i]!]!) >>> 0;
      if ((h & maskL) === 0) return i + 1 - start;
    }
    if (limit - start === this.maxSize || final) return limit - start;
    return -1;
  }
}
