/**
 * A drill's scratch things and their removal. Local ones live in one directory per drill
 * (WORKDIR/strata-drill-PLAN-ID), with a file per process started there naming its PID; API
 * objects carry the drill's labels. Removal finds them by those marks alone, so the drill
 * that made them and the plan's next drill after a crash or a kill remove the same things,
 * and nothing unmarked is ever touched: a process is stopped only while its command line
 * still names the drill's directory.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DRILL_LABEL, DRILL_PLAN_LABEL, drillLabels, planSelector, scratchDirectoryPrefix } from '../../core/drill/scratch.ts';
import { Refused } from '../../core/errors.ts';
import { at } from '../../core/objects/json.ts';
import type { KubeObject } from '../../core/objects/types.ts';
import { discover } from '../../kube/discovery.ts';
import { apiError } from '../../kube/errors.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { listPages } from '../../kube/list.ts';
import { objectPath } from '../../kube/resource-path.ts';
import type { DrillScratch } from '../../sources/source.ts';

/** How long removed namespaces may take to be gone (their pods and claims go first). */
export const NAMESPACE_GONE_MS = 180_000;
const PROCESS_GONE_MS = 10_000;

export interface Removal {
  readonly removed: string[];
  readonly problems: string[];
}

export class Scratch implements DrillScratch {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly root: string;
  /** Namespaces this drill made, in order. */
  readonly namespaces: string[] = [];
  /** What sources made and remove themselves (RBD images), in order. */
  readonly others: { readonly what: string; readonly remove: () => Promise<void> }[] = [];
  private readonly plan: string;

  constructor(id: string, plan: string, workDir: string) {
    this.id = id;
    this.plan = plan;
    this.labels = drillLabels(id, plan);
    this.root = join(workDir, `${scratchDirectoryPrefix(plan)}${id}`);
  }

  async directory(name: string): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const dir = join(this.root, name);
    await mkdir(dir, { mode: 0o700 });
    return dir;
  }

  async process(pid: number, directory: string): Promise<void> {
    await writeFile(join(this.root, `${pid}.pid`), directory, { mode: 0o600 });
  }

  made(what: string, remove: () => Promise<void>): void {
    this.others.push({ what, remove });
  }

  /** Removes what the sources made, newest first. */
  async removeOthers(): Promise<Removal> {
    const removal: Removal = { removed: [], problems: [] };
    for (const { what, remove } of [...this.others].reverse()) {
      try {
        await remove();
        removal.removed.push(what);
      } catch (error) {
        removal.problems.push(`${what}: ${(error as Error).message}`);
      }
    }
    return removal;
  }

  async namespace(http: KubeHttp, name: string): Promise<void> {
    // A second layer's things go into the namespace a first one made.
    if (this.namespaces.includes(name)) return;
    const response = await http.request('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: this.labels } } });
    if (response.status === 201 || response.status === 200) {
      this.namespaces.push(name);
      return;
    }
    if (response.status !== 409) throw apiError('/api/v1/namespaces', response);
    const existing = await http.json<KubeObject>(`/api/v1/namespaces/${name}`);
    const plan = existing.metadata.labels?.[DRILL_PLAN_LABEL];
    if (plan === this.plan) throw new Error(`namespace ${name}, from an earlier drill of plan ${this.plan}, is still being deleted: try again when it is gone`);
    throw new Refused(`namespace ${name} exists and ${plan === undefined ? 'no drill made it' : `a drill of plan ${plan} made it`}: a drill never touches it`, {
      hint: 'choose another drill.suffix for the plan, or leave that namespace out with drill.namespaces',
    });
  }
}

/** Which drills' scratch things to remove: one drill's (`only`), or every drill's of the plan but one (`except`: the running one). */
export interface Which {
  readonly only?: string;
  readonly except?: string;
}

/** Removes the scratch directories (and the processes started in them) of the plan's drills. */
export async function removeLocalScratch(plan: string, workDir: string, which: Which): Promise<Removal> {
  const removal: Removal = { removed: [], problems: [] };
  const prefix = scratchDirectoryPrefix(plan);
  const entries = await readdir(workDir).catch(() => [] as string[]);
  const chosen = entries.filter((e) => e.startsWith(prefix) && (which.only === undefined || e === `${prefix}${which.only}`) && e !== `${prefix}${which.except ?? ''}`);
  for (const entry of chosen) {
    const dir = join(workDir, entry);
    for (const file of (await readdir(dir).catch(() => [] as string[])).filter((f) => /^\d+\.pid$/.test(f))) {
      const pid = Number(file.slice(0, -4));
      const named = await readFile(join(dir, file), 'utf8').catch(() => '');
      if (named !== '' && await stopIfNamed(pid, named)) removal.removed.push(`process ${pid}`);
    }
    try {
      await rm(dir, { recursive: true, force: true });
      removal.removed.push(`directory ${dir}`);
    } catch (error) {
      removal.problems.push(`directory ${dir}: ${(error as Error).message}`);
    }
  }
  return removal;
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** Stops `pid` (TERM, then KILL) only while its command line names `directory`; true when it was running. */
async function stopIfNamed(pid: number, directory: string): Promise<boolean> {
  if (!(commandLine(pid)?.includes(directory) ?? false)) return false;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + PROCESS_GONE_MS;
  while (commandLine(pid)?.includes(directory) === true && Date.now() < deadline) await sleep(100);
  if (commandLine(pid)?.includes(directory) === true) signal('SIGKILL');
  return true;
}

/** Removes the plan's drills' scratch namespaces (with what is in them) and the cluster-scoped objects they needed. */
export async function removeClusterScratch(http: KubeHttp, plan: string, which: Which, waitMs = NAMESPACE_GONE_MS): Promise<Removal> {
  const removal: Removal = { removed: [], problems: [] };
  const selector = [planSelector(plan), ...(which.only === undefined ? [] : [`${DRILL_LABEL}=${which.only}`]), ...(which.except === undefined ? [] : [`${DRILL_LABEL}!=${which.except}`])].join(',');
  try {
    const types = (await discover(http)).types.filter((t) => t.verbs.includes('list') && t.verbs.includes('delete'));
    const namespaces = types.find((t) => t.group === '' && t.resource === 'namespaces');
    const clusterScoped = types.filter((t) => !t.namespaced && t !== namespaces);
    const gone: string[] = [];
    // Namespaces first: what is in them goes with them; then the cluster-scoped objects they needed.
    for (const type of namespaces === undefined ? [] : [namespaces]) {
      for await (const page of listPages(http, type, { labelSelector: selector })) {
        for (const ns of page) {
          if (await remove(http, objectPath(type, undefined, ns.metadata.name), `namespace ${ns.metadata.name}`, removal)) gone.push(ns.metadata.name);
        }
      }
    }
    for (const type of clusterScoped) {
      for await (const page of listPages(http, type, { labelSelector: selector })) {
        for (const o of page) await remove(http, objectPath(type, undefined, o.metadata.name), `${type.kind} ${o.metadata.name}`, removal);
      }
    }
    await waitGone(http, gone, removal, waitMs);
  } catch (error) {
    removal.problems.push(`scratch objects (label ${selector}): ${(error as Error).message}; remove them with kubectl delete namespace,crd -l ${selector}`);
  }
  return removal;
}

async function remove(http: KubeHttp, path: string, what: string, removal: Removal): Promise<boolean> {
  const response = await http.request(path, { method: 'DELETE', query: { propagationPolicy: 'Background' } });
  if (response.status === 404) return false;
  // 409: a namespace deleted before (a drill killed during its clean-up) and still terminating.
  if (response.status >= 300 && response.status !== 409) {
    removal.problems.push(`${what}: ${apiError(path, response).message}`);
    return false;
  }
  removal.removed.push(what);
  return true;
}

/**
 * Waits until the deleted namespaces are gone (a next drill re-creates them), then names
 * the volumes their claims left behind: a Retain volume outlives its claim.
 */
async function waitGone(http: KubeHttp, namespaces: readonly string[], removal: Removal, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  let left = [...namespaces];
  while (left.length > 0 && Date.now() < deadline) {
    const still: string[] = [];
    for (const ns of left) if ((await http.request(`/api/v1/namespaces/${ns}`)).status !== 404) still.push(ns);
    left = still;
    if (left.length > 0) await sleep(500);
  }
  for (const ns of left) removal.problems.push(`namespace ${ns} is still terminating after ${waitMs / 1000}s (kubectl get namespace ${ns} -o yaml shows what holds it)`);
  if (namespaces.length === 0) return;
  const volumes = await http.json<{ items: KubeObject[] }>('/api/v1/persistentvolumes');
  for (const pv of volumes.items) {
    const claimNamespace = at(pv, 'spec', 'claimRef')?.['namespace'];
    if (typeof claimNamespace === 'string' && namespaces.includes(claimNamespace) && at(pv, 'spec')?.['persistentVolumeReclaimPolicy'] === 'Retain') {
      removal.problems.push(`volume ${pv.metadata.name} of scratch claim ${claimNamespace}/${String(at(pv, 'spec', 'claimRef')?.['name'])} has reclaim policy Retain and stays: map the drill to a class that deletes (drill.storageClassMapping)`);
    }
  }
}
