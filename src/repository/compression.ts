/** zstd from Node's own zlib: no native add-on, and fast enough to keep up with hashing. */
import { promisify } from 'node:util';
import { constants, zstdCompress, zstdCompressSync, zstdDecompressSync, type ZstdOptions } from 'node:zlib';

const LEVEL = 3;

/**
 * Each call allocates its output in pieces of `chunkSize` (16 KiB by default) that live
 * until the next garbage collection. Small blobs — API objects, trees — are compressed by
 * the ten thousand: an output buffer the size of the input (it rarely grows) keeps that
 * garbage, and the peak memory of a backup, down by tens of megabytes.
 */
function options(data: Uint8Array): ZstdOptions {
  // The size told up front: zstd then sizes its tables to the input, not to a stream of
  // unknown length — a quarter less time per small blob, the same bytes out.
  return { chunkSize: Math.min(16 * 1024, Math.max(1024, data.length)), pledgedSrcSize: data.length, params: { [constants.ZSTD_c_compressionLevel]: LEVEL } };
}

/**
 * Large blobs are tried on samples first. Random bytes — ciphertext, media, archives, most
 * of a disk image's written blocks — do not compress, and zstd would spend a full pass (a
 * third of the cost of sealing) to find that out. Samples spread over the blob catch a
 * block that is only partly random (a half-written image block, a file with a header).
 */
const SAMPLED_FROM = 256 * 1024;
const SAMPLES = 8;
const SAMPLE_BYTES = 8 * 1024;
/** A sample set that shrinks by less than this is taken as incompressible. */
const WORTHWHILE = 0.97;

/** Whether compressing `data` may pay: false only when evenly spread samples do not compress. */
export function worthCompressing(data: Uint8Array): boolean {
  if (data.length < SAMPLED_FROM) return true;
  const sample = Buffer.allocUnsafe(SAMPLES * SAMPLE_BYTES);
  const stride = Math.floor((data.length - SAMPLE_BYTES) / (SAMPLES - 1));
  for (let i = 0; i < SAMPLES; i++) sample.set(data.subarray(i * stride, i * stride + SAMPLE_BYTES), i * SAMPLE_BYTES);
  return zstdCompressSync(sample, options(sample)).length < sample.length * WORTHWHILE;
}

export function compress(data: Uint8Array): Buffer {
  return zstdCompressSync(data, options(data));
}

const zstdCompressAsync = promisify(zstdCompress);

/** The same, on libuv's thread pool: for streams sealed on the main thread, so other cores compress. */
export function compressAsync(data: Uint8Array): Promise<Buffer> {
  return zstdCompressAsync(data, options(data));
}

/** Node's smallest output piece. */
const MIN_CHUNK = 64;

/**
 * `rawLength`, where the index gives it, makes the output one buffer of that size instead of
 * 16 KiB pieces joined at the end (a third less time on a 1 MiB blob, and no garbage
 * pieces), and refuses a frame that would decode to more than it (damage, not a blob).
 */
export function decompress(data: Uint8Array, rawLength?: number): Buffer {
  return rawLength === undefined ? zstdDecompressSync(data) : zstdDecompressSync(data, sized(rawLength));
}

/** One byte of room past the end: a full output buffer makes zlib allocate another and ask again. */
function sized(rawLength: number): ZstdOptions {
  return { chunkSize: Math.max(MIN_CHUNK, rawLength + 1), maxOutputLength: Math.max(1, rawLength) };
}
