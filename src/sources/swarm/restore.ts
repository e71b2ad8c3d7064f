/**
 * `strata restore --swarm`: the snapshot's networks, configs, secrets, services and node
 * labels into a swarm (the same or a new one), in that order. Planned first against what
 * the target holds: what is created, updated (services, with --existing update), skipped or
 * failed (--existing fail). Secret values cannot be read back from Docker, so secrets to
 * create take their value from a file of the operator's (--secret-values DIR/NAME); when
 * any is missing the plan names them all and nothing is created.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { DockerApiError, type DockerEngine } from '../../docker/http.ts';
import { managerInfo, updateSwarmObject } from '../../docker/swarm-api.ts';
import type { NodeSpec, SwarmConfig, SwarmNetwork, SwarmNode, SwarmService } from '../../docker/swarm-types.ts';
import type { PlannedRestore, RestoreContext, RestoreOutcome } from '../source.ts';
import { SWARM_KINDS, type SwarmKind } from './record.ts';
import { planRaftRestore, type RaftRestoreOptions } from './raft-restore.ts';
import { readStoredSwarm } from './stored.ts';

export type ExistingPolicy = 'skip' | 'update' | 'fail';

/** `restore --swarm`: the swarm's objects made through its API. */
export interface SwarmObjectsRestoreOptions {
  readonly kind: 'objects';
  readonly engine: DockerEngine;
  readonly existing: ExistingPolicy;
  /** A directory holding one file per secret to create, named after the secret. */
  readonly secretValues?: string;
}

export type StepAction = 'create' | 'update' | 'skip' | 'fail';

export interface SwarmStep {
  readonly kind: SwarmKind;
  readonly name: string;
  /** The stored object's name when it differs from `name` (a node's ID; `name` is its hostname). */
  readonly key?: string;
  readonly action: StepAction;
  readonly reason?: string;
}

interface Target {
  readonly networks: ReadonlyMap<string, SwarmNetwork>;
  readonly configs: ReadonlyMap<string, SwarmConfig>;
  readonly secrets: ReadonlyMap<string, SwarmConfig>;
  readonly services: ReadonlyMap<string, SwarmService>;
  readonly nodes: readonly SwarmNode[];
}

async function readTarget(engine: DockerEngine): Promise<Target> {
  const [networks, configs, secrets, services, nodes] = await Promise.all([
    engine.json<SwarmNetwork[]>('/networks', { query: { filters: JSON.stringify({ scope: ['swarm'] }) } }),
    engine.json<SwarmConfig[]>('/configs'),
    engine.json<SwarmConfig[]>('/secrets'),
    engine.json<SwarmService[]>('/services'),
    engine.json<SwarmNode[]>('/nodes'),
  ]);
  return {
    networks: new Map(networks.map((n) => [n.Name, n])),
    configs: new Map(configs.map((c) => [c.Spec.Name, c])),
    secrets: new Map(secrets.map((s) => [s.Spec.Name, s])),
    services: new Map(services.map((s) => [s.Spec.Name, s])),
    nodes,
  };
}

/** The target node a stored node's labels go to: the same ID (same swarm), else the one node of that hostname. */
function matchNode(stored: StoredNode, nodes: readonly SwarmNode[]): SwarmNode | { readonly missing: string } {
  const same = nodes.find((n) => n.ID === stored.ID);
  if (same !== undefined) return same;
  const hostname = stored.Description?.Hostname;
  const named = nodes.filter((n) => hostname !== undefined && n.Description?.Hostname === hostname);
  if (named.length === 1) return named[0]!;
  return { missing: named.length === 0 ? `no node ${stored.ID} or with hostname ${hostname ?? '(none)'} in the target` : `${named.length} nodes have hostname ${hostname}; put the labels on by hand` };
}

interface StoredNode {
  readonly ID: string;
  readonly Spec: NodeSpec;
  readonly Description?: { readonly Hostname?: string };
}

function missingLabels(stored: StoredNode, node: SwarmNode): Record<string, string> {
  return Object.fromEntries(Object.entries(stored.Spec.Labels ?? {}).filter(([k, v]) => node.Spec.Labels?.[k] !== v));
}

function planSteps(objects: Readonly<Record<SwarmKind, ReadonlyMap<string, unknown>>>, target: Target, existing: ExistingPolicy): SwarmStep[] {
  const steps: SwarmStep[] = [];
  for (const kind of SWARM_KINDS) {
    for (const [name, object] of [...objects[kind]].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (kind === 'nodes') {
        const stored = object as StoredNode;
        const node = matchNode(stored, target.nodes);
        if ('missing' in node) steps.push({ kind, name: stored.Description?.Hostname ?? name, key: name, action: 'skip', reason: node.missing });
        else {
          const labels = Object.keys(missingLabels(stored, node));
          const shown = { kind, name: node.Description?.Hostname ?? node.ID, key: name };
          steps.push(labels.length === 0 ? { ...shown, action: 'skip', reason: 'labels already set' } : { ...shown, action: 'update', reason: `labels ${labels.join(', ')}` });
        }
        continue;
      }
      if (kind === 'networks' && (object as SwarmNetwork).Ingress === true) {
        steps.push({ kind, name, action: 'skip', reason: 'the ingress network is made by the swarm; change it by hand (docs/runbooks/swarm-restore.md)' });
        continue;
      }
      const exists = target[kind].has(name);
      if (!exists) steps.push({ kind, name, action: 'create' });
      else if (existing === 'fail') steps.push({ kind, name, action: 'fail', reason: 'exists in the target (--existing fail)' });
      else if (existing === 'update' && kind === 'services') steps.push({ kind, name, action: 'update' });
      else steps.push({ kind, name, action: 'skip', reason: existing === 'update' ? `exists; a ${kind.slice(0, -1)} cannot be changed in place` : 'exists in the target' });
    }
  }
  return steps;
}

/** Each secret to create, with its value from --secret-values; every missing one is named at once. */
function secretValues(steps: readonly SwarmStep[], dir: string | undefined): Map<string, Buffer> {
  const needed = steps.filter((s) => s.kind === 'secrets' && s.action === 'create').map((s) => s.name);
  if (needed.length === 0) return new Map();
  const missing = needed.filter((name) => dir === undefined || !existsSync(join(dir, name)) || !statSync(join(dir, name)).isFile());
  if (missing.length > 0) {
    throw new UsageError(`secrets ${missing.join(', ')}: no value ${dir === undefined ? '(give --secret-values DIR)' : `in --secret-values ${dir}`}; Docker never gives a secret's value back, so it is not in the snapshot`, {
      hint: 'put each value in DIR/NAME (mode 0600), e.g. from your secret store; nothing was created',
    });
  }
  return new Map(needed.map((name) => [name, readFileSync(join(dir!, name))]));
}

function renderSteps(steps: readonly SwarmStep[], target: string): string {
  const counts = countOf(steps);
  return [
    `swarm restore into ${target}: ${counts.create} to create, ${counts.update} to update, ${counts.skip} to skip, ${counts.fail} to fail`,
    ...steps.map((s) => `  ${s.action.padEnd(7)} ${s.kind.slice(0, -1).padEnd(8)} ${s.name}${s.reason === undefined ? '' : `: ${s.reason}`}`),
  ].join('\n');
}

function countOf(steps: readonly SwarmStep[]): Record<StepAction, number> {
  const counts: Record<StepAction, number> = { create: 0, update: 0, skip: 0, fail: 0 };
  for (const s of steps) counts[s.action]++;
  return counts;
}

/** A service's spec for the target: its networks named (the engine resolves names), its configs and secrets by the target's IDs. */
function specForTarget(spec: SwarmService['Spec'], networkNames: ReadonlyMap<string, string>, target: Target): SwarmService['Spec'] {
  const network = <T extends { readonly Target: string }>(n: T): T => ({ ...n, Target: networkNames.get(n.Target) ?? n.Target });
  const container = spec.TaskTemplate.ContainerSpec;
  return {
    ...spec,
    ...(spec.Networks !== undefined && { Networks: spec.Networks.map(network) }),
    TaskTemplate: {
      ...spec.TaskTemplate,
      ...(spec.TaskTemplate.Networks !== undefined && { Networks: spec.TaskTemplate.Networks.map(network) }),
      ...(container !== undefined && {
        ContainerSpec: {
          ...container,
          ...(container.Secrets !== undefined && { Secrets: container.Secrets.map((s) => ({ ...s, SecretID: target.secrets.get(s.SecretName)?.ID ?? s.SecretID })) }),
          ...(container.Configs !== undefined && { Configs: container.Configs.map((c) => ({ ...c, ConfigID: target.configs.get(c.ConfigName)?.ID ?? c.ConfigID })) }),
        },
      }),
    },
  };
}

function networkCreateBody(network: SwarmNetwork): Record<string, unknown> {
  return {
    Name: network.Name, CheckDuplicate: true, Driver: network.Driver, Scope: 'swarm',
    Internal: network.Internal ?? false, Attachable: network.Attachable ?? false, Ingress: network.Ingress ?? false,
    EnableIPv6: network.EnableIPv6 ?? false, IPAM: network.IPAM, Options: network.Options ?? {}, Labels: network.Labels ?? {},
    ...(network.ConfigOnly === true && { ConfigOnly: true }), ...(network.ConfigFrom?.Network && { ConfigFrom: network.ConfigFrom }),
  };
}

/** The objects through the API, or (`strata swarm restore`) a manager's raft state put back. */
export type SwarmRestoreOptions = SwarmObjectsRestoreOptions | RaftRestoreOptions;

export function planSwarmRestore(context: RestoreContext, options: SwarmRestoreOptions): Promise<PlannedRestore> {
  return options.kind === 'raft' ? planRaftRestore(context, options) : planObjectsRestore(context, options);
}

async function planObjectsRestore({ repository, snapshot }: RestoreContext, options: SwarmObjectsRestoreOptions): Promise<PlannedRestore> {
  const stored = await readStoredSwarm(repository, snapshot);
  const { engine } = options;
  const info = await managerInfo(engine);
  const steps = planSteps(stored.objects, await readTarget(engine), options.existing);
  const values = secretValues(steps, options.secretValues);
  const targetName = `${engine.endpoint.host} (swarm ${info.Swarm.Cluster?.ID.slice(0, 12) ?? '?'}${info.Swarm.Cluster?.ID === stored.record.swarmId ? ', the one backed up' : ', a new one'})`;
  return {
    text: renderSteps(steps, targetName),
    json: { snapshot: snapshot.id, target: engine.endpoint.host, swarmId: info.Swarm.Cluster?.ID, steps, counts: countOf(steps) },
    async apply(): Promise<RestoreOutcome> {
      const done: SwarmStep[] = [];
      const errors: string[] = [];
      const networkNames = new Map([...stored.objects.networks.values()].map((n) => [(n as SwarmNetwork).Id, (n as SwarmNetwork).Name]));
      for (const kind of SWARM_KINDS) {
        // Services name configs and secrets by the target's IDs: read them after they are made.
        const target = await readTarget(engine);
        for (const step of steps.filter((s) => s.kind === kind)) {
          if (step.action === 'skip') {
            done.push(step);
            continue;
          }
          if (step.action === 'fail') {
            errors.push(`${kind.slice(0, -1)} ${step.name}: ${step.reason}`);
            done.push(step);
            continue;
          }
          try {
            await applyStep(engine, step, stored.objects[kind].get(step.key ?? step.name), target, networkNames, values);
            done.push(step);
          } catch (error) {
            const message = error instanceof DockerApiError ? error.message : (error as Error).message;
            errors.push(`${kind.slice(0, -1)} ${step.name}: ${message}`);
            done.push({ ...step, action: 'fail', reason: message });
          }
        }
      }
      const counts = countOf(done);
      return {
        lines: [
          `restored the swarm of snapshot ${snapshot.id.slice(0, 8)} into ${engine.endpoint.host}: ${counts.create} created, ${counts.update} updated, ${counts.skip} skipped, ${counts.fail} failed`,
          ...done.filter((s) => s.action !== 'skip' || s.kind === 'nodes').map((s) => `  ${s.action === 'create' ? 'created' : s.action === 'update' ? 'updated' : s.action === 'skip' ? 'skipped' : 'failed '} ${s.kind.slice(0, -1)} ${s.name}${s.reason === undefined ? '' : `: ${s.reason}`}`),
        ],
        json: { snapshot: snapshot.id, target: engine.endpoint.host, counts, steps: done },
        warnings: [],
        errors,
        ...(errors.length > 0 && { failure: { message: `${errors.length} swarm objects were not restored`, hint: 'see the errors above; fix them and run the restore again (what exists is skipped)' } }),
      };
    },
  };
}

async function applyStep(engine: DockerEngine, step: SwarmStep, object: unknown, target: Target, networkNames: ReadonlyMap<string, string>, values: ReadonlyMap<string, Buffer>): Promise<void> {
  switch (step.kind) {
    case 'networks':
      await engine.json('/networks/create', { method: 'POST', body: networkCreateBody(object as SwarmNetwork) });
      return;
    case 'configs': {
      const { Spec } = object as SwarmConfig;
      await engine.json('/configs/create', { method: 'POST', body: Spec });
      return;
    }
    case 'secrets': {
      const { Spec } = object as SwarmConfig;
      await engine.json('/secrets/create', { method: 'POST', body: { ...Spec, Data: values.get(step.name)!.toString('base64') } });
      return;
    }
    case 'services': {
      const spec = specForTarget((object as SwarmService).Spec, networkNames, target);
      const existing = target.services.get(step.name);
      if (step.action === 'create' || existing === undefined) await engine.json('/services/create', { method: 'POST', body: spec });
      else await updateSwarmObject<SwarmService>(engine, 'services', existing.ID, () => spec);
      return;
    }
    case 'nodes': {
      const stored = object as StoredNode;
      const node = matchNode(stored, target.nodes);
      if ('missing' in node) return;
      await updateSwarmObject<SwarmNode>(engine, 'nodes', node.ID, (current): NodeSpec => ({ ...current.Spec, Labels: { ...current.Spec.Labels, ...missingLabels(stored, current) } }));
      return;
    }
  }
}
