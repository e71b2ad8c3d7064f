/**
 * Every external program Strata starts (rbd, etcdutl, hooks, and later docker, git, vendor
 * tools) runs through here: in a process group of its own, so that it and whatever it
 * starts are stopped together; with a time limit, so that a stuck Ceph or a hung hook cannot
 * hold a backup forever; and stopped when Strata stops (SIGINT, SIGTERM, an error), so that
 * nothing is left running re-parented to init.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { interruption } from './interruption.ts';

export interface ProgramOptions {
  /** Stopped (SIGTERM, then SIGKILL) when it runs longer than this; required: nothing waits forever. */
  readonly timeoutMs: number;
  /** With data streaming through it: stopped when no byte moved for this long instead of `timeoutMs`. */
  readonly idle?: boolean;
  readonly stdin?: 'ignore' | 'pipe';
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why Strata stopped it, when it did: "timed out after 10m", "interrupted". */
  readonly stoppedBecause?: string;
}

export interface RunningProgram {
  readonly child: ChildProcess;
  /** Settles when the program has exited; rejects only when it could not be started. */
  readonly exited: Promise<Exit>;
  /** Marks activity for an idle time limit (callers that move data call it). */
  touch(): void;
  stop(reason: string): void;
}

/** Time a program gets to exit after SIGTERM before its group is killed. */
const GRACE_MS = 5_000;

const running = new Set<RunningProgram>();
let exitHookInstalled = false;

/**
 * When Strata is interrupted, the programs running then are stopped (its cleanup may start
 * new ones); when it exits for any reason, every group still running is told to stop too.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  interruption.addEventListener('abort', () => {
    for (const program of running) program.stop('interrupted');
  }, { once: true });
  process.on('exit', () => {
    for (const program of running) signalGroup(program.child, 'SIGTERM');
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export function startProgram(file: string, args: readonly string[], options: ProgramOptions): RunningProgram {
  installExitHook();
  // detached: the child leads a new process group (and session), which a signal to -pid reaches whole.
  const child = spawn(file, args, { stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true, ...(options.env !== undefined && { env: options.env }), ...(options.cwd !== undefined && { cwd: options.cwd }) });
  let stoppedBecause: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let killer: NodeJS.Timeout | undefined;
  const stop = (reason: string) => {
    if (stoppedBecause !== undefined) return;
    stoppedBecause = reason;
    signalGroup(child, 'SIGTERM');
    killer = setTimeout(() => signalGroup(child, 'SIGKILL'), GRACE_MS);
    killer.unref();
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stop(`${options.idle === true ? 'no progress for' : 'timed out after'} ${formatLimit(options.timeoutMs)}`), options.timeoutMs);
  };
  arm();
  const onAbort = () => stop('interrupted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  const program: RunningProgram = {
    child,
    exited: new Promise<Exit>((resolve, reject) => {
      child.once('error', (error) => {
        settle();
        reject(error);
      });
      child.once('close', (code, signal) => {
        settle();
        resolve({ code, signal, ...(stoppedBecause !== undefined && { stoppedBecause }) });
      });
    }),
    touch: () => {
      if (options.idle === true && stoppedBecause === undefined) arm();
    },
    stop,
  };
  function settle(): void {
    clearTimeout(timer);
    clearTimeout(killer);
    options.signal?.removeEventListener('abort', onAbort);
    running.delete(program);
  }
  running.add(program);
  if (options.idle === true) {
    child.stdout?.on('data', program.touch);
    child.stdin?.on('drain', program.touch);
  }
  return program;
}

/** How an exit reads in a message: "exit 3", "killed by SIGKILL", "timed out after 10m". */
export function describeExit(exit: Exit): string {
  if (exit.stoppedBecause !== undefined) return exit.stoppedBecause;
  return exit.signal === null ? `exit ${exit.code}` : `killed by ${exit.signal}`;
}

function formatLimit(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export interface Finished extends Exit {
  readonly stdout: string;
  /** The last `keep` characters of standard error. */
  readonly stderr: string;
}

/** Runs a program to its end and collects its output (standard error's tail only). */
export async function runProgram(file: string, args: readonly string[], options: ProgramOptions & { readonly keep?: number }): Promise<Finished> {
  const program = startProgram(file, args, options);
  const keep = options.keep ?? 4096;
  let stdout = '';
  let stderr = '';
  program.child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  program.child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-keep)));
  const exit = await program.exited;
  return { ...exit, stdout, stderr };
}
