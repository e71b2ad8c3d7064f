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
  return { chunkSize: Math.min(16 * 1024, Math.max(1024, data.length)), params: { [constants.ZSTD_c_compressionLevel]: LEVEL } };
}

export function compress(data: Uint8Array): Buffer {
  return zstdCompressSync(data, options(data));
}

const zstdCompressAsync = promisify(zstdCompress);

/** The same, on libuv's thread pool: for streams sealed on the main thread, so other cores compress. */
export function compressAsync(data: Uint8Array): Promise<Buffer> {
  return zstdCompressAsync(data, options(data));
}

export function decompress(data: Uint8Array): Buffer {
  return zstdDecompressSync(data);
}
