/**
 * A plan's pre/post commands: an argument list (never a shell string), a timeout after which
 * the command is stopped, and what a failure means (`fail` stops the run, `continue` records
 * it). A hook runs on this machine, with the plan and, after the backup, its result in its
 * environment; or, with `pod:`, inside a pod of the plan's cluster through the exec API
 * (e.g. a database's flush before its objects and volumes are read).
 */
import { describeExit, startProgram } from '../../programs/program.ts';
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
  /** exit N, timed out after the timeout, interrupted, or could not start. */
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

async function runLocal(hook: HookConfig, context: HookContext): Promise<HookResult> {
  const [file, ...args] = hook.command;
  const result = (ok: boolean, outcome: string, output = ''): HookResult => ({ command: hook.command, ok, outcome, output: output.slice(-KEEP_OUTPUT), onError: hook.onError });
  let program;
  try {
    program = startProgram(file!, args, { timeoutMs: timeoutOf(hook), env: { ...process.env, ...context.env }, ...(context.signal && { signal: context.signal }) });
  } catch (error) {
    return result(false, `could not start: ${(error as Error).message}`);
  }
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
  };
  program.child.stdout!.on('data', keep);
  program.child.stderr!.on('data', keep);
  try {
    const exit = await program.exited;
    return result(exit.code === 0 && exit.stoppedBecause === undefined, describeExit(exit), output);
  } catch (error) {
    return result(false, `could not start: ${(error as Error).message}`);
  }
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
