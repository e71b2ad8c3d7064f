/**
 * A plan's pre/post commands: an argument list (never a shell string), a timeout after which
 * the command is killed, and what a failure means (`fail` stops the run, `continue` records
 * it). Hooks see the plan and, after the backup, its result in their environment.
 */
import { spawn } from 'node:child_process';
import { Duration } from '../../core/duration.ts';
import type { PlanConfig } from '../../core/config/schema.ts';

export type HookConfig = NonNullable<PlanConfig['hooks']>['pre'][number];

export interface HookResult {
  readonly command: readonly string[];
  readonly ok: boolean;
  /** exit N, killed after the timeout, or could not start. */
  readonly outcome: string;
  /** The end of what it printed, for the run history. */
  readonly output: string;
  readonly onError: HookConfig['onError'];
}

const KEEP_OUTPUT = 4096;

export function runHook(hook: HookConfig, env: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<HookResult> {
  const timeoutMs = (Duration.parse(hook.timeout) ?? Duration.minutes(5)).milliseconds;
  const [file, ...args] = hook.command;
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const done = (ok: boolean, outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ command: hook.command, ok, outcome, output: output.slice(-KEEP_OUTPUT), onError: hook.onError });
    };
    const child = spawn(file!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(signal && { signal }) });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(false, `killed after ${hook.timeout}`);
    }, timeoutMs);
    child.on('error', (error) => done(false, `could not start: ${error.message}`));
    child.on('close', (code, killedBy) => done(code === 0, killedBy === null ? `exit ${code}` : `killed by ${killedBy}`));
  });
}
