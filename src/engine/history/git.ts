/**
 * Debian's `git`, run for one history repository. Every call is made the same way, so
 * that what the user's own git configuration says cannot change what history writes:
 * no system or global configuration (an `autocrlf` there would rewrite files), no hooks
 * from the repository, no prompts; `safe.directory` for this directory only (a repository
 * made by root and read by an operator's account is otherwise refused as "dubious
 * ownership"); umask 077, so whatever git writes is root-only, like the working tree; and
 * git's automatic gc in the foreground, inside the call's time limit, not left running.
 */
import { existsSync, realpathSync } from 'node:fs';
import { OperationError, UsageError } from '../../core/errors.ts';
import { describeExit, runProgram, startProgram, type Finished } from '../../programs/program.ts';

export const GIT_TIMEOUT_MS = 300_000;

export interface GitCall {
  /** Extra environment (a push's credentials): only ever in git's environment, never its arguments. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export class Git {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  private command(args: readonly string[]): string[] {
    const settings = ['safe.directory=' + this.dir, 'core.hooksPath=/dev/null', 'core.quotePath=false', 'commit.gpgSign=false', 'tag.gpgSign=false', 'core.autocrlf=false', 'gc.autoDetach=false'];
    return ['-c', 'umask 077 && exec git "$@"', 'git', '-C', this.dir, ...settings.flatMap((s) => ['-c', s]), ...args];
  }

  private environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false', SSH_ASKPASS: '/bin/false', LC_ALL: 'C', ...extra };
  }

  /** Runs git; returns what it printed, whatever its exit. */
  async call(args: readonly string[], options: GitCall = {}): Promise<Finished> {
    try {
      return await runProgram('sh', this.command(args), { timeoutMs: options.timeoutMs ?? GIT_TIMEOUT_MS, env: this.environment(options.env), ...(options.signal && { signal: options.signal }) });
    } catch (error) {
      throw new OperationError(`cannot run git: ${(error as Error).message}`, { hint: 'history needs the git program: apt-get install git' });
    }
  }

  /** Runs git and returns its standard output; a failure names the git command and its message. */
  async run(args: readonly string[], options: GitCall = {}): Promise<string> {
    const result = await this.call(args, options);
    if (result.code !== 0) throw gitFailed(this.dir, args, result);
    return result.stdout;
  }

  /** Blob contents by `REV:PATH`, in one `git cat-file --batch`; a name git does not have is absent from the map. */
  async readBlobs(names: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (names.length === 0) return found;
    const program = startProgram('sh', this.command(['cat-file', '--batch']), { timeoutMs: GIT_TIMEOUT_MS, stdin: 'pipe', env: this.environment() });
    const chunks: Buffer[] = [];
    program.child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    program.child.stdin!.on('error', () => undefined); // git gone early: its exit says why
    program.child.stdin!.end(names.map((n) => `${n}\n`).join(''));
    const exit = await program.exited;
    if (exit.code !== 0) throw new OperationError(`git cat-file in ${this.dir}: ${describeExit(exit)}`);
    const out = Buffer.concat(chunks);
    let at = 0;
    for (const name of names) {
      const end = out.indexOf(10, at);
      if (end < 0) break;
      const header = out.subarray(at, end).toString('utf8').split(' ');
      at = end + 1;
      if (header[1] === 'missing' || header.length < 3) continue;
      const size = Number(header[2]);
      found.set(name, out.subarray(at, at + size).toString('utf8'));
      at += size + 1;
    }
    return found;
  }
}

export function gitFailed(dir: string, args: readonly string[], result: Finished): OperationError {
  // sh's "not found": the program itself is missing.
  if (result.code === 127) return new OperationError('git is not installed on this machine', { hint: 'history runs the git program: apt-get install git (or the distribution\'s package)' });
  const said = result.stderr.trim().split('\n').filter(Boolean).slice(-3).join('; ');
  return new OperationError(`git ${args[0]} in ${dir} failed (${describeExit(result)})${said === '' ? '' : `: ${said}`}`);
}

/** The git repository at `dir`, which must exist (log, diff, status read it and never create it). */
export async function openHistory(dir: string): Promise<Git> {
  const git = new Git(dir);
  // Its own top level: a directory inside some other git working tree is not a history.
  const top = await git.call(['rev-parse', '--show-toplevel']);
  if (top.code !== 0 || !existsSync(dir) || top.stdout.trim() !== realpathSync(dir)) {
    throw new UsageError(`${dir} is not a history git repository`, { hint: 'give the path of a history (history.path in strata.yaml, or the --to of `strata history export`)' });
  }
  return git;
}
