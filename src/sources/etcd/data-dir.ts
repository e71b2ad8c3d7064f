/**
 * The local data directory a restored member will use: who is using it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';

export interface DirectoryUser {
  readonly pid: number;
  readonly command: string;
}

/**
 * Processes with a file open under `dir`, their working directory in it, or `dir` on their
 * command line (an etcd between restarts may hold no file yet). Reads /proc, as fuser does;
 * processes of other users are visible only to root.
 */
export function processesUsing(dir: string): DirectoryUser[] {
  const target = resolve(dir);
  const inside = (path: string) => path === target || path.startsWith(`${target}/`);
  const users: DirectoryUser[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return users;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      const named = argv.some((arg) => {
        const value = arg.startsWith('--data-dir=') ? arg.slice('--data-dir='.length) : arg;
        return value.startsWith('/') && resolve(value) === target;
      });
      const opened = named || inside(readlinkSync(`/proc/${pid}/cwd`)) || readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return inside(readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
          return false;
        }
      });
      if (opened) users.push({ pid: Number(pid), command: argv.join(' ').slice(0, 200) });
    } catch {
      // the process ended, or belongs to another user
    }
  }
  return users;
}
