/**
 * Starting and stopping the test bed's processes. Each runs detached (so `testbed up` can
 * return), with its output in a log file, and is recorded by PID together with its binary,
 * so `testbed down` stops exactly what was started and never a process that reused the PID.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly binary: string;
  readonly log: string;
}

export function startProcess(name: string, binary: string, args: readonly string[], log: string, env: NodeJS.ProcessEnv = {}): ManagedProcess {
  const fd = openSync(log, 'a', 0o600);
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${binary}`);
    child.unref();
    return { name, pid: child.pid, binary, log };
  } finally {
    closeSync(fd);
  }
}

/** True when `pid` is alive and is still the program we started (not a reused PID). */
export function isRunning(process_: ManagedProcess): boolean {
  try {
    const exe = readlinkSync(`/proc/${process_.pid}/exe`).replace(/ \(deleted\)$/, '');
    if (exe !== process_.binary) return false;
    const stat = readFileSync(`/proc/${process_.pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; waits until the process is gone. */
export async function stopProcess(p: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (!isRunning(p)) return;
  process.kill(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(p) && Date.now() < deadline) await sleep(100);
  if (isRunning(p)) {
    process.kill(p.pid, 'SIGKILL');
    for (let i = 0; i < 50 && isRunning(p); i++) await sleep(100);
  }
}

export function tail(path: string, lines = 20): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Ports this process has handed out: the kernel may offer a just-closed port again. */
const issuedPorts = new Set<number>();

/** A port on 127.0.0.1 that was free a moment ago, and not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
    if (!issuedPorts.has(port)) {
      issuedPorts.add(port);
      return port;
    }
  }
  throw new Error('no unused port on 127.0.0.1 after 50 attempts');
}

/**
 * Polls `probe` until it returns true, at most `timeoutMs`; fails early with the log's tail
 * when the process died.
 */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, process_?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (process_ !== undefined && !isRunning(process_)) {
      throw new Error(`${what}: ${process_.name} exited; last lines of ${process_.log}:\n${tail(process_.log)}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(Math.min(100 * 2 ** Math.min(attempt, 4), 1000));
  }
  const log = process_ === undefined ? '' : `\nlast lines of ${process_.log}:\n${tail(process_.log)}`;
  throw new Error(`${what}: not ready after ${timeoutMs / 1000}s${lastError ? ` (${(lastError as Error).message})` : ''}${log}`);
}
