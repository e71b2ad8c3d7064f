/**
 * The two system calls a byte-exact restore needs and Node does not offer: `utimensat`
 * (Node's utimes takes a double of seconds, which at today's epoch resolves only ~0.24 µs)
 * and `mknod` (FIFOs and device nodes). Called through koffi, whose npm package ships the
 * native part prebuilt. Without it (another libc), times fall back to the microsecond and
 * special files are reported as not restored.
 */
import { constants } from 'node:os';
import { lutimes, utimes } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';
import type { FsPath } from './fs-path.ts';

interface Calls {
  readonly utimensat: (dirfd: number, path: FsPath, times: readonly Timespec[], flags: number) => number;
  readonly mknod: (path: FsPath, mode: number, dev: bigint) => number;
  readonly errno: () => number;
}

interface Timespec {
  readonly tv_sec: bigint;
  readonly tv_nsec: bigint;
}

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const S_IFIFO = 0o010000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

let calls: Calls | null | undefined;

function load(): Calls | null {
  if (calls !== undefined) return calls;
  try {
    // Loaded on first use, synchronously: a missing native part must not stop the CLI from starting.
    const koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
    const libc = koffi.load('libc.so.6');
    koffi.struct('strata_timespec', { tv_sec: 'int64', tv_nsec: 'int64' });
    calls = {
      utimensat: libc.func('int utimensat(int, const char *, const strata_timespec *, int)') as Calls['utimensat'],
      mknod: libc.func('int mknod(const char *, uint32_t, uint64_t)') as Calls['mknod'],
      errno: () => koffi.errno(),
    };
  } catch {
    calls = null;
  }
  return calls;
}

/** A C string argument: bytes end with a NUL, which koffi does not add to a Buffer. */
function cPath(path: FsPath): FsPath {
  return typeof path === 'string' ? path : Buffer.concat([path, Buffer.alloc(1)]);
}

function failure(syscall: string, path: FsPath, errno: number): NodeJS.ErrnoException {
  const code = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  const error: NodeJS.ErrnoException = new Error(`${code}: ${syscall} failed`);
  error.code = code;
  error.errno = errno;
  error.syscall = syscall;
  error.path = typeof path === 'string' ? path : path.toString('latin1');
  return error;
}

/** Sets access and modification time to `timeNs` exactly; of the link itself for symlinks. */
export async function setTimes(path: FsPath, timeNs: string, symlink: boolean): Promise<void> {
  const libc = load();
  const ns = BigInt(timeNs);
  if (libc === null) {
    // Aim 0.4 µs into the intended microsecond, so that the double's truncation lands in it.
    const seconds = (Number(ns / 1000n) + 0.4) / 1e6;
    await (symlink ? lutimes : utimes)(path, seconds, seconds);
    return;
  }
  const time = { tv_sec: ns / 1_000_000_000n, tv_nsec: ns % 1_000_000_000n };
  if (libc.utimensat(AT_FDCWD, cPath(path), [time, time], symlink ? AT_SYMLINK_NOFOLLOW : 0) !== 0) throw failure('utimensat', path, libc.errno());
}

export type SpecialType = 'fifo' | 'chardev' | 'blockdev';

/** Makes a FIFO or device node; devices need CAP_MKNOD (EPERM otherwise). */
export function makeSpecial(path: FsPath, type: SpecialType, mode: number, rdev: string | undefined): void {
  const libc = load();
  if (libc === null) throw new Error('mknod is not available on this system (koffi could not load libc)');
  const kind = type === 'fifo' ? S_IFIFO : type === 'chardev' ? S_IFCHR : S_IFBLK;
  if (libc.mknod(cPath(path), kind | (mode & 0o7777), BigInt(rdev ?? '0')) !== 0) throw failure('mknod', path, libc.errno());
}
