/**
 * Paths as the kernel has them. Linux names are bytes; Node's string paths cannot hold a
 * name that is not valid UTF-8, so such a path is a Buffer, and every fs call takes either.
 */
import { join } from 'node:path';
import { textOf } from '../../repository/tree.ts';

export type FsPath = string | Buffer;

export function childPath(parent: FsPath, name: FsPath): FsPath {
  if (typeof parent === 'string' && typeof name === 'string') return join(parent, name);
  const base = Buffer.from(parent);
  const separator = base.length > 0 && base[base.length - 1] === 0x2f ? [] : [Buffer.from('/')];
  return Buffer.concat([base, ...separator, Buffer.from(name)]);
}

/** The path as text for messages: invalid bytes shown as `\xNN`. */
export function displayPath(path: FsPath): string {
  return typeof path === 'string' ? path : textOf(path).text;
}
