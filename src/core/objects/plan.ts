/**
 * Restore planning, pure: from the objects of a snapshot and the restore options to an
 * ordered list of steps, each a set of objects that can be applied in parallel, every
 * object sanitised and mapped, with a note for each change. `strata restore --dry-run`
 * prints this plan; execution applies it step by step.
 */
import { namespaceNamed, namespaceSelected, typeSelected, type ObjectFilters } from './filters.ts';
import { at, listAt } from './json.ts';
import { madeByCluster } from './made-by-cluster.ts';
import { applyMappings, type Mappings } from './mapping.ts';
import { STAGES, stageIndex, stageOf, type Stage } from './order.ts';
import { sanitize } from './sanitize.ts';
import { objectKey, SYSTEM_NAMESPACES, typeName, type KubeObject, type OwnerReference, type ResourceType } from './types.ts';

export interface PlanInput {
  readonly type: ResourceType;
  readonly object: KubeObject;
  /** With a backup taken --all-versions: the same object at the type's other served versions. */
  readonly otherVersions?: ReadonlyMap<string, KubeObject>;
}

export interface RestoreOptions {
  /** clusterScoped 'auto': all cluster-scoped objects when every namespace is restored, else only those the restored namespaces need. */
  readonly filters: Omit<ObjectFilters, 'clusterScoped'> & { readonly clusterScoped: boolean | 'auto' };
  readonly mappings: Mappings;
  readonly keepStatus: boolean;
  readonly preserveClusterIps: boolean;
  readonly restoreNodeMetadata: boolean;
  /**
   * A drill's copy beside the original: claims get new volumes (their volumeName and node
   * choice dropped, so no backed-up volume is restored or taken), and every object carries
   * these labels, by which the drill finds what to remove.
   */
  readonly copy?: { readonly labels: Readonly<Record<string, string>> };
}

export interface PlannedItem {
  /** The object's name in the target ("deployments.apps/shop/web"), after mapping. */
  readonly key: string;
  /** Its name in the snapshot. */
  readonly source: string;
  readonly type: ResourceType;
  readonly object: KubeObject;
  /** The uid it had in the backed-up cluster: dependents' owner references name it. */
  readonly uid: string | undefined;
  readonly notes: readonly string[];
  /** The object at other versions (sanitised and mapped alike), for a target that does not serve `type.version`. */
  readonly otherVersions?: ReadonlyMap<string, KubeObject>;
}

export interface PlanStep {
  readonly stage: Stage;
  /** 0 for the stage itself; n for objects whose owners are restored at depth n-1. */
  readonly depth: number;
  readonly items: readonly PlannedItem[];
}

/** Labels, annotations and taints to put back on an existing node of the same name. */
export interface NodeMetadata {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly taints: readonly unknown[];
}

export interface RestorePlan {
  readonly steps: readonly PlanStep[];
  readonly nodes: readonly NodeMetadata[];
  /** Why objects of the snapshot are not in the plan, with how many. */
  readonly excluded: Readonly<Record<string, number>>;
  /** Objects every cluster makes for itself, left to the target: key and why. */
  readonly leftToTarget: readonly { readonly key: string; readonly reason: string }[];
  readonly total: number;
}

const CRD_TYPE = 'customresourcedefinitions.apiextensions.k8s.io';
/** Owner chains deeper than this are not followed (and a cycle stops here). */
const MAX_DEPTH = 8;

export function planRestore(inputs: readonly PlanInput[], options: RestoreOptions): RestorePlan {
  const excluded: Record<string, number> = {};
  const exclude = (reason: string): void => {
    excluded[reason] = (excluded[reason] ?? 0) + 1;
  };
  const { filters } = options;
  const leftToTarget: { key: string; reason: string }[] = [];
  const allNamespaces = filters.includeNamespaces.length === 0 && filters.excludeNamespaces.length === 0;
  const clusterScoped = filters.clusterScoped === 'auto' ? allNamespaces : filters.clusterScoped;
  const typeFilters = { ...filters, clusterScoped: filters.clusterScoped !== false };

  const customTypes = new Set<string>();
  for (const { type, object } of inputs) {
    const defined = typeName(type) === CRD_TYPE ? definedType(object) : undefined;
    if (defined !== undefined) customTypes.add(defined);
  }

  const namespaceWanted = (namespace: string): boolean =>
    namespaceSelected(filters, namespace) && (!SYSTEM_NAMESPACES.has(namespace) || namespaceNamed(filters, namespace));

  // First pass: namespaced objects and namespaces, which decide what 'auto' brings along.
  const chosen: PlanInput[] = [];
  const claimed = new Set<string>();
  const neededCustomTypes = new Set<string>();
  const nodes: NodeMetadata[] = [];
  const deferred: PlanInput[] = [];
  for (const input of inputs) {
    const { type, object } = input;
    if (!typeSelected(typeFilters, type)) {
      exclude('resource type not selected');
      continue;
    }
    if (type.group === '' && type.resource === 'nodes') {
      if (options.restoreNodeMetadata) nodes.push(nodeMetadata(object));
      else exclude('nodes are never created (see --restore-node-metadata)');
      continue;
    }
    const isNamespace = type.group === '' && type.resource === 'namespaces';
    if (type.namespaced || isNamespace) {
      const namespace = isNamespace ? object.metadata.name : (object.metadata.namespace ?? '');
      if (!namespaceWanted(namespace)) {
        exclude(SYSTEM_NAMESPACES.has(namespace) ? 'system namespace not named in --include-namespaces' : 'namespace not selected');
        continue;
      }
      chosen.push(input);
      if (type.group === '' && type.resource === 'persistentvolumeclaims' && options.copy === undefined) {
        const volume = at(object, 'spec')?.['volumeName'];
        if (typeof volume === 'string') claimed.add(volume);
      }
      if (customTypes.has(typeName(type))) neededCustomTypes.add(typeName(type));
    } else deferred.push(input);
  }
  for (const input of deferred) {
    const { type, object } = input;
    const name = typeName(type);
    const needed = (name === 'persistentvolumes' && claimed.has(object.metadata.name))
      || (name === CRD_TYPE && neededCustomTypes.has(definedType(object) ?? ''));
    if (clusterScoped || needed) chosen.push(input);
    else exclude('cluster-scoped and not needed by the restored namespaces');
  }

  const items: (Omit<PlannedItem, 'notes'> & { notes: string[]; stage: Stage; owners: readonly string[] })[] = [];
  const targets = new Set<string>();
  for (const { type, object, otherVersions } of chosen) {
    const made = madeByCluster(type, object);
    if (made !== undefined) {
      leftToTarget.push({ key: objectKey(type, object.metadata.namespace, object.metadata.name), reason: made });
      exclude('made by every cluster itself: left to the target');
      continue;
    }
    const { object: clean, notes } = sanitize(object, options);
    const mappingNotes = applyMappings(clean, options.mappings);
    if (options.copy !== undefined) mappingNotes.push(...asCopy(type, clean, options.copy.labels));
    const key = objectKey(type, clean.metadata.namespace, clean.metadata.name);
    if (targets.has(key)) {
      exclude('two objects of the snapshot map to the same name in the target');
      continue;
    }
    targets.add(key);
    const owners = (object.metadata.ownerReferences ?? []).map((o) => o.uid);
    const others = otherVersions === undefined ? undefined : new Map([...otherVersions].map(([version, other]) => {
      const cleaned = sanitize(other, options).object;
      applyMappings(cleaned, options.mappings);
      if (options.copy !== undefined) asCopy(type, cleaned, options.copy.labels);
      return [version, cleaned] as const;
    }));
    items.push({
      key, source: objectKey(type, object.metadata.namespace, object.metadata.name), type, object: clean,
      uid: object.metadata.uid, notes: [...notes, ...mappingNotes], stage: stageOf(type, customTypes), owners,
      ...(others !== undefined && { otherVersions: others }),
    });
  }

  // Owner references: kept (and re-pointed at execution) when the owner is restored too,
  // dropped otherwise, since the garbage collector deletes objects whose owner is missing.
  const byUid = new Map(items.filter((i) => i.uid !== undefined).map((i) => [i.uid!, i]));
  for (const item of items) {
    const refs = (item.object.metadata.ownerReferences ?? []) as OwnerReference[];
    if (refs.length === 0) continue;
    const kept = refs.filter((r) => byUid.has(r.uid));
    for (const r of refs) if (!byUid.has(r.uid)) item.notes.push(`owner ${r.kind} ${r.name} is not restored: reference dropped`);
    const metadata = item.object.metadata as Record<string, unknown>;
    if (kept.length === 0) delete metadata['ownerReferences'];
    else metadata['ownerReferences'] = kept;
  }

  // Dependents come after their owners: same stage, one level deeper, or the owner's stage.
  const position = new Map<PlannedItem, [number, number]>();
  const place = (item: (typeof items)[number], depth: number): [number, number] => {
    const known = position.get(item);
    if (known !== undefined) return known;
    let at: [number, number] = [stageIndex(item.stage), 0];
    if (depth < MAX_DEPTH) {
      for (const uid of item.owners) {
        const owner = byUid.get(uid);
        if (owner === undefined || owner === item) continue;
        const [s, d] = place(owner, depth + 1);
        if (s > at[0] || (s === at[0] && d >= at[1])) at = [s, d + 1];
      }
    }
    position.set(item, at);
    return at;
  };
  const groups = new Map<string, { stage: Stage; depth: number; items: PlannedItem[] }>();
  // Placed in key order, so that an ownership cycle breaks the same way whatever the input order.
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const item of items) {
    const [s, d] = place(item, 0);
    const id = `${s}:${d}`;
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { stage: STAGES[s]!, depth: d, items: [] }));
    group.items.push({ key: item.key, source: item.source, type: item.type, object: item.object, uid: item.uid, notes: item.notes, ...(item.otherVersions !== undefined && { otherVersions: item.otherVersions }) });
  }
  const steps = [...groups.values()].sort((a, b) => stageIndex(a.stage) - stageIndex(b.stage) || a.depth - b.depth);
  return { steps, nodes, excluded, leftToTarget, total: inputs.length };
}

/** "plural.group" of the type a CustomResourceDefinition defines. */
export function definedType(crd: KubeObject): string | undefined {
  const spec = at(crd, 'spec');
  const plural = at(spec, 'names')?.['plural'];
  return typeof spec?.['group'] === 'string' && typeof plural === 'string' ? `${plural}.${spec['group']}` : undefined;
}

function nodeMetadata(object: KubeObject): NodeMetadata {
  return {
    name: object.metadata.name,
    labels: object.metadata.labels ?? {},
    annotations: object.metadata.annotations ?? {},
    taints: listAt(object, 'spec', 'taints'),
  };
}

/** The plan as people read it: one block per step, one line per object, notes indented. */
export function renderPlan(plan: RestorePlan): string {
  const lines: string[] = [];
  let n = 0;
  for (const step of plan.steps) {
    n++;
    lines.push(`step ${n}: ${step.stage}${step.depth > 0 ? ` (owned by objects of the step before, depth ${step.depth})` : ''}: ${step.items.length} object(s)`);
    for (const item of step.items) {
      lines.push(`  ${item.key}${item.source === item.key ? '' : `  (from ${item.source})`}`);
      for (const note of item.notes) lines.push(`      ${note}`);
    }
  }
  if (plan.nodes.length > 0) {
    lines.push(`then: labels, annotations and taints on ${plan.nodes.length} existing node(s)`);
    for (const node of plan.nodes) lines.push(`  nodes/${node.name}`);
  }
  const planned = plan.steps.reduce((sum, s) => sum + s.items.length, 0);
  lines.push(`${planned} of ${plan.total} object(s) planned`);
  for (const [reason, count] of Object.entries(plan.excluded).sort()) lines.push(`  not restored: ${count} (${reason})`);
  for (const { key, reason } of plan.leftToTarget) lines.push(`  left to the target: ${key} (${reason})`);
  return lines.join('\n');
}

/** Makes a sanitised object a drill's copy (see RestoreOptions.copy); returns a note per change. */
function asCopy(type: ResourceType, object: KubeObject, labels: Readonly<Record<string, string>>): string[] {
  const metadata = object.metadata as Record<string, unknown>;
  metadata['labels'] = { ...(object.metadata.labels ?? {}), ...labels };
  if (type.group !== '' || type.resource !== 'persistentvolumeclaims') return [];
  const spec = at(object, 'spec');
  const volume = spec?.['volumeName'];
  if (spec !== undefined) delete spec['volumeName'];
  const annotations = at(object, 'metadata', 'annotations');
  if (annotations !== undefined) delete annotations['volume.kubernetes.io/selected-node'];
  return typeof volume === 'string' ? [`gets a new volume instead of ${volume} (a drill's copy)`] : [];
}
