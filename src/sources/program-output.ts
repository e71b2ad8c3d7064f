/**
 * Programs whose standard output is an item to keep (the command source's commands, the
 * Mirantis tools in their containers) and programs fed an item on their standard input (a
 * verify or restore command): the tail of their standard error kept for the record, input
 * fed without letting one that stopped reading fail the run, and a stored item's bytes and
 * file node. Shared by those sources so that none imports another.
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../core/errors.ts';
import type { Id } from '../repository/hash.ts';
import type { Repository } from '../repository/repository.ts';
import type { TreeNode } from '../repository/tree.ts';

/** How much of a program's standard error a record keeps. */
export const STDERR_KEPT = 2048;

/** Keeps the last STDERR_KEPT characters a stream prints; read them when it is done. */
export function keepTail(stream: Readable): () => string {
  let kept = '';
  stream.setEncoding('utf8').on('data', (d: string) => (kept = (kept + d).slice(-STDERR_KEPT)));
  return () => kept;
}

/** How a program ended, with the last line of its standard error when it printed one: a one-line reason. */
export function withLastLine(ended: string, stderr: string): string {
  const last = stderr.trim().split('\n').at(-1) ?? '';
  return last === '' ? ended : `${ended}: ${last}`;
}

/**
 * A program's standard input that stops taking bytes, without failing, once the program
 * stopped reading (EPIPE: it has seen enough, or failed): its exit status tells the rest.
 */
export class ProgramInput {
  private closed = false;
  private readonly stdin: Writable;

  constructor(stdin: Writable) {
    this.stdin = stdin.on('error', () => (this.closed = true)).on('close', () => (this.closed = true));
  }

  /** Writes, waiting while the pipe is full. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.stdin.write(bytes)) await Promise.race([once(this.stdin, 'drain'), once(this.stdin, 'close')]);
    } catch {
      this.closed = true;
    }
  }

  get stopped(): boolean {
    return this.closed;
  }

  end(): void {
    this.stdin.end();
  }
}

/** A stored item's bytes, blob by blob. */
export async function* storedBytes(repository: Repository, content: readonly Id[]): AsyncGenerator<Buffer> {
  for (const id of content) yield await repository.loadBlob(id);
}

/** A small stored item whole (a manifest, an image config). */
export async function storedWhole(repository: Repository, content: readonly Id[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of storedBytes(repository, content)) parts.push(part);
  return Buffer.concat(parts);
}

/** The file node of an item stored from a stream (mode 0600: vendor archives hold keys). */
export function itemNode(name: string, started: number, stored: { readonly size: number; readonly content: readonly Id[] }): TreeNode {
  return { name, type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: (BigInt(started) * 1_000_000n).toString(), size: stored.size, content: [...stored.content] };
}

/** Writes a stored item to a new file of mode 0600 (it may hold keys); never overwrites. `flag` names where the file was given. */
export async function writeItemFile(repository: Repository, content: readonly Id[], file: string, flag: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${flag} ${file}: ${error.code === 'EEXIST' ? 'exists' : error.message}`, { hint: 'give a new file name; nothing is overwritten' });
  });
  try {
    for await (const bytes of storedBytes(repository, content)) await handle.write(bytes);
  } finally {
    await handle.close();
  }
}
