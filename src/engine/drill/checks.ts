/**
 * The plan's own checks of a restored copy (drill.checks): an HTTP GET to a restored
 * Service through the API server's service proxy, a command in a restored pod through the
 * exec API, or a command on this machine; each with its expected status, exit and output,
 * and its timeout. Namespaces are the backed-up ones; `where` says where their copy is.
 */
import type { DrillCheckConfig } from '../../core/config/drill.ts';
import type { DrillStep } from '../../core/drill/report.ts';
import { Duration } from '../../core/duration.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { drillStep } from '../../sources/drill-step.ts';
import { runHook, type HookResult } from '../plan/hooks.ts';

export interface CheckContext {
  /** Where the copy of a backed-up namespace is (its scratch copy, or itself in place). */
  where(namespace: string): string;
  readonly env: Readonly<Record<string, string>>;
  kube(): Promise<KubeHttp>;
  readonly signal: AbortSignal;
}

export async function runChecks(checks: readonly DrillCheckConfig[], context: CheckContext): Promise<DrillStep[]> {
  const steps: DrillStep[] = [];
  for (const check of checks) await drillStep(steps, check.name, () => runCheck(check, context));
  return steps;
}

function runCheck(check: DrillCheckConfig, context: CheckContext): Promise<string> {
  const timeoutMs = (Duration.parse(check.timeout) ?? Duration.minutes(1)).milliseconds;
  if (check.http !== undefined) return httpCheck(check.http, timeoutMs, context);
  const exec = check.exec;
  const hook = exec !== undefined
    ? { command: exec.command, timeout: check.timeout, onError: 'fail' as const, pod: { namespace: context.where(exec.namespace), ...(exec.pod !== undefined && { name: exec.pod }), ...(exec.selector !== undefined && { selector: exec.selector }), ...(exec.container !== undefined && { container: exec.container }) } }
    : { command: check.command!.command, timeout: check.timeout, onError: 'fail' as const };
  return runHook(hook, { env: context.env, signal: context.signal, kube: context.kube }).then((result) => commandVerdict(result, exec?.output ?? check.command?.output));
}

function commandVerdict(result: HookResult, output: string | undefined): string {
  const where = result.pod === undefined ? '' : ` in pod ${result.pod}`;
  const tail = result.output.trim().split('\n').slice(-2).join(' | ');
  if (!result.ok) throw new Error(`${result.command.join(' ')}${where}: ${result.outcome}${tail === '' ? '' : `: ${tail}`}`);
  if (output !== undefined && !new RegExp(output).test(result.output)) throw new Error(`${result.command.join(' ')}${where}: its output does not match /${output}/: ${tail}`);
  return `${result.command.join(' ')}${where}: ${result.outcome}${output === undefined ? '' : `, output matches /${output}/`}`;
}

async function httpCheck(http: NonNullable<DrillCheckConfig['http']>, timeoutMs: number, context: CheckContext): Promise<string> {
  const [namespace, name] = http.service.split('/') as [string, string];
  const copy = context.where(namespace);
  const service = `${http.scheme === 'https' ? 'https:' : ''}${name}:${http.port}`;
  const path = `/api/v1/namespaces/${copy}/services/${service}/proxy${http.path}`;
  const kube = await context.kube();
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]);
  const response = await kube.request<unknown>(path, { signal });
  const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  const what = `GET ${copy}/${name}:${http.port}${http.path}`;
  if (response.status !== http.status) throw new Error(`${what}: HTTP ${response.status}, expected ${http.status}: ${body.slice(0, 200)}`);
  if (http.body !== undefined && !new RegExp(http.body).test(body)) throw new Error(`${what}: the body does not match /${http.body}/: ${body.slice(0, 200)}`);
  return `${what}: HTTP ${response.status}${http.body === undefined ? '' : `, body matches /${http.body}/`}`;
}
