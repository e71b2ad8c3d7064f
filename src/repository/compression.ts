/** zstd from Node's own zlib: no native add-on, and fast enough to keep up with hashing. */
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

const LEVEL = 3;

export function compress(data: Uint8Array): Buffer {
  return zstdCompressSync(data, { params: { [constants.ZSTD_c_compressionLevel]: LEVEL } });
}

export function decompress(data: Uint8Array): Buffer {
  return zstdDecompressSync(data);
}
