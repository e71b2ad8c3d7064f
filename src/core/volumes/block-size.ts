/**
 * The block size RBD images are stored in: a power of two from 64 KiB (scattered small
 * writes cost little more than themselves) to 32 MiB (fewest index entries). Ceph's objects
 * are 4 MiB by default, the default here too.
 */
import { UsageError } from '../errors.ts';
import { parseSize } from '../size.ts';

export const MIN_BLOCK_SIZE = 64 * 1024;
export const MAX_BLOCK_SIZE = 32 * 1024 * 1024;

export function isBlockSize(text: string): boolean {
  const size = parseSize(text);
  return size !== undefined && size >= MIN_BLOCK_SIZE && size <= MAX_BLOCK_SIZE && (size & (size - 1)) === 0;
}

export function blockSizeOf(text: string, what: string): number {
  const size = parseSize(text);
  if (size === undefined || !isBlockSize(text)) {
    throw new UsageError(`${what} ${text}: expected a power of two from 64KiB to 32MiB`, { hint: 'e.g. 64KiB for databases with small random writes, 4MiB (the default) otherwise' });
  }
  return size;
}
