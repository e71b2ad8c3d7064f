/**
 * A plan's pre/post commands: an argument list (never a shell string), a timeout after which
 * the command is stopped, and what a failure means (`fail` stops the run, `continue` records
 * it). A hook runs on this machine, with the plan and, after the backup, its result in its
 * environment; or, with `pod:`, inside a pod of the plan's cluster through the exec API
 * (e.g. a database's flush before its objects and volumes are read).
 */
import { spawn } from 'node:child_process';
import { Duration } from '../../core/duration.ts';
import type { PlanConfig } from '../../core/config/schema.ts';
import { describeKubeError } from '../../kube/connection.ts';
import { execInPod } from '../../kube/exec.ts';
import type { KubeHttp } from '../../kube/http.ts';

export type HookConfig = NonNullable<PlanConfig['hooks']>['pre'][number];

export interface HookResult {
  readonly command: readonly string[];
  /** namespace/pod when it ran in a pod. */
  readonly pod?: string;
  readonly ok: boolean;
  /** exit N, killed after the timeout, or could not start. */
  readonly outcome: string;
  /** The end of what it printed, for the run history. */
  readonly output: string;
  readonly onError: HookConfig['onError'];
}

export interface HookContext {
  readonly env: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** The plan's cluster, for hooks with `pod:`. */
  readonly kube?: () => Promise<KubeHttp>;
}

const KEEP_OUTPUT = 4096;

export function runHook(hook: HookConfig, context: HookContext): Promise<HookResult> {
  return hook.pod === undefined ? runLocal(hook, context) : runInPod(hook, hook.pod, context);
}

function timeoutOf(hook: HookConfig): number {
  return (Duration.parse(hook.timeout) ?? Duration.minutes(5)).milliseconds;
}

function runLocal(hook: HookConfig, context: HookContext): Promise<HookResult> {
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
    const child = spawn(file!, args, { env: { ...process.env, ...context.env }, stdio: ['ignore', 'pipe', 'pipe'], ...(context.signal && { signal: context.signal }) });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(false, `killed after ${hook.timeout}`);
    }, timeoutOf(hook));
    child.on('error', (error) => done(false, `could not start: ${error.message}`));
    child.on('close', (code, killedBy) => done(code === 0, killedBy === null ? `exit ${code}` : `killed by ${killedBy}`));
  });
}

async function runInPod(hook: HookConfig, pod: NonNullable<HookConfig['pod']>, context: HookContext): Promise<HookResult> {
  const failed = (outcome: string, where?: string): HookResult => ({ command: hook.command, ...(where !== undefined && { pod: where }), ok: false, outcome, output: '', onError: hook.onError });
  if (context.kube === undefined) return failed('no cluster to run it in: set the plan\'s cluster:');
  let name = pod.name;
  try {
    const http = await context.kube();
    if (name === undefined) {
      const list = await http.json<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(`/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods`, { query: { labelSelector: pod.selector } });
      name = list.items.filter((p) => p.status?.phase === 'Running').map((p) => p.metadata.name).sort()[0];
      if (name === undefined) return failed(`no running pod in ${pod.namespace} matches ${pod.selector}`);
    }
    const where = `${pod.namespace}/${name}`;
    const result = await execInPod(http, {
      namespace: pod.namespace,
      pod: name,
      ...(pod.container !== undefined && { container: pod.container }),
      command: hook.command,
      timeoutMs: timeoutOf(hook),
      ...(context.signal && { signal: context.signal }),
    });
    return { command: hook.command, pod: where, ok: result.ok, outcome: result.outcome, output: (result.stdout + result.stderr).slice(-KEEP_OUTPUT), onError: hook.onError };
  } catch (error) {
    return failed(describeKubeError(error), name === undefined ? undefined : `${pod.namespace}/${name}`);
  }
}
