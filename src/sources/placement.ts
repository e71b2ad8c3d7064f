/**
 * Where a source runs when the same strata.yaml is deployed on every node (seed 000: the MKE
 * backup on a manager, the MSR backup only where an MSR replica runs): by host name, by the
 * node's swarm role, and by labels — the engine's own (daemon.json "labels", readable on
 * every node) and, on a manager, the node's swarm labels. A source not placed here is
 * skipped with a line that says why; the plan's other sources still run.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { duration, filePath, nonEmptyStrings, secretFile } from '../core/config/fields.ts';
import { Duration } from '../core/duration.ts';
import { inClaimedCycle } from '../docker/cycle-claim.ts';
import { DockerEngine } from '../docker/http.ts';
import type { EngineInfo, SwarmNode } from '../docker/swarm-types.ts';
import type { SourceSettings } from './source.ts';

export const placementSchema = z.strictObject({
  /** Runs only on these hosts (the node name a run is given, else the host name). */
  hosts: nonEmptyStrings('a host name').min(1, { error: 'expected at least one host name' }).optional(),
  /** Runs only on a swarm manager, or only on a worker. */
  role: z.enum(['manager', 'worker'], { error: 'expected manager or worker' }).optional(),
  /** Runs only where every label has this value (engine labels, and swarm node labels on a manager). */
  labels: z.record(z.string().min(1), z.string()).optional(),
}).optional();

export type Placement = z.output<typeof placementSchema>;

export const thisHost = (settings: SourceSettings): string => settings.node ?? hostname();

/** The node's labels: the engine's own, then (on a manager) its swarm node labels over them. */
async function labelsOf(engine: DockerEngine, info: EngineInfo): Promise<Record<string, string>> {
  const labels: Record<string, string> = {};
  for (const label of info.Labels ?? []) {
    const at = label.indexOf('=');
    if (at > 0) labels[label.slice(0, at)] = label.slice(at + 1);
  }
  if (info.Swarm.ControlAvailable && info.Swarm.NodeID !== '') Object.assign(labels, (await engine.json<SwarmNode>(`/nodes/${info.Swarm.NodeID}`)).Spec.Labels);
  return labels;
}

/** Why the source is not placed on this node (one line), or undefined when it runs here. */
export async function notPlacedHere(placement: Placement, settings: SourceSettings, engine: () => DockerEngine): Promise<string | undefined> {
  if (placement === undefined) return undefined;
  const host = thisHost(settings);
  if (placement.hosts !== undefined && !placement.hosts.includes(host)) return `not placed on ${host} (${settings.field('where.hosts')}: ${placement.hosts.join(', ')})`;
  if (placement.role === undefined && placement.labels === undefined) return undefined;
  const docker = engine();
  const info = await docker.json<EngineInfo>('/info');
  if (placement.role !== undefined) {
    const role = info.Swarm.LocalNodeState !== 'active' ? 'none' : info.Swarm.ControlAvailable ? 'manager' : 'worker';
    if (role !== placement.role) return `not placed on ${host}: it is ${role === 'none' ? 'in no swarm' : `a swarm ${role}`} (${settings.field('where.role')}: ${placement.role})`;
  }
  if (placement.labels !== undefined) {
    const labels = await labelsOf(docker, info);
    const missing = Object.entries(placement.labels).filter(([key, value]) => labels[key] !== value);
    if (missing.length > 0) return `not placed on ${host}: ${missing.map(([key, value]) => `${key}=${value}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among its labels (${settings.field('where.labels')})`;
  }
  return undefined;
}

/**
 * Several nodes may run the source (every manager for MKE, every replica's node for MSR):
 * one does per cycle, by a claim in the swarm (docker/cycle-claim.ts). The claim is made
 * through a manager's engine: this node's, or on a worker the one `host` names.
 */
export const cycleSchema = z.strictObject({
  /** Runs in the same window of time (aligned to UTC) are one cycle: no longer than the time between runs. */
  window: duration().default('1h'),
  /** A manager's engine to claim through (tcp://HOST:2376 with `tls`), for nodes that are workers. */
  host: z.string().optional(),
  tls: z.strictObject({ ca: filePath(), cert: filePath(), key: secretFile() }).optional(),
}).optional();

export type Cycle = z.output<typeof cycleSchema>;

/**
 * Runs `work` now, or with `ha` only when this run claims the cycle of `plan.TYPE` (through
 * `ha.host`, else the entry's own engine); the line naming the holder otherwise.
 */
export async function oncePerCycle<T extends { readonly failed: boolean; readonly warnings: readonly string[] }>(
  ha: Cycle, dockerHost: string, type: string, settings: SourceSettings, work: () => Promise<T>,
): Promise<T | { readonly leftTo: string }> {
  if (ha === undefined) return work();
  const remote = ha.host !== undefined;
  const claims = new DockerEngine({ host: ha.host ?? dockerHost, field: settings.field(remote ? 'ha.host' : 'dockerHost'), ...(remote && ha.tls !== undefined && { tls: ha.tls }) });
  try {
    return await inClaimedCycle(claims, `${settings.plan ?? 'backup'}.${type}`, Duration.parse(ha.window)!.milliseconds, type, work);
  } finally {
    claims.close();
  }
}
