/** zstd from Node's own zlib: no native add-on, and fast enough to keep up with hashing. */
import { promisify } from 'node:util';
import { constants, zstdCompress, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

const LEVEL = 3;

export function compress(data: Uint8Array): Buffer {
  return zstdCompressSync(data, { params: { [constants.ZSTD_c_compressionLevel]: LEVEL } });
}

const zstdCompressAsync = promisify(zstdCompress);

/** The same, on libuv's thread pool: for streams sealed on the main thread, so other cores compress. */
export function compressAsync(data: Uint8Array): Promise<Buffer> {
  return zstdCompressAsync(data, { params: { [constants.ZSTD_c_compressionLevel]: LEVEL } });
}

export function decompress(data: Uint8Array): Buffer {
  return zstdDecompressSync(data);
}
