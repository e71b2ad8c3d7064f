/**
 * Reads the live objects of a cluster the way a backup sees them: the served types the
 * filters select, each listed page by page (per namespace when the namespaces are named,
 * or when a cluster-wide list is forbidden), the objects the skip rules leave out counted
 * with their reason, and what cannot be read recorded per type and namespace. Used by the
 * backup and by `strata diff --against live`.
 */
import { literalNamespaces, namespaceSelected, typeSelected, unmatchedResourceNames, type ObjectFilters } from '../../core/objects/filters.ts';
import { objectSkipReason, serviceSelectorKey, typeSkipReason } from '../../core/objects/skip.ts';
import { typeName, type KubeObject, type ResourceType } from '../../core/objects/types.ts';
import { describeKubeError } from '../../kube/connection.ts';
import { discover } from '../../kube/discovery.ts';
import { UsageError } from '../../core/errors.ts';
import { KubeApiError } from '../../kube/errors.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { listPages } from '../../kube/list.ts';
import type { FailureRecord, SkipRecord } from './record.ts';

export interface ClusterReadRequest {
  readonly http: KubeHttp;
  readonly filters: ObjectFilters;
  readonly labelSelector?: string;
  readonly signal?: AbortSignal;
  /**
   * An --include-resources name that no served type answers to: 'error' refuses (a command
   * line names it wrongly), 'record' records a failure (a plan goes on, partially failed).
   */
  readonly unknownTypes?: 'error' | 'record';
}

const EXAMPLES = 5;
/**
 * Objects per list request. Small pages are processed before the next young-generation
 * collection, so they die young instead of filling the old generation: at 50,000 objects
 * pages of 100 keep the peak some 40 MB lower than kubectl's 500, at the same speed.
 */
const PAGE = 100;
const NAMESPACES: ResourceType = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, verbs: [] };

const isCore = (type: ResourceType, resource: string): boolean => type.group === '' && type.resource === resource;

export class ClusterReader {
  readonly failures: FailureRecord[] = [];
  readonly typeSkips: SkipRecord[] = [];
  /** API groups whose discovery failed: their types are unknown, not absent. */
  readonly unreadableGroups = new Set<string>();
  skippedObjects = 0;
  /** Every type discovery found, selected or not: what "covered" is measured against. */
  served: readonly ResourceType[] = [];
  /** Every served version of each type, most preferred first. */
  versions: ReadonlyMap<string, readonly string[]> = new Map();
  private readonly request: ClusterReadRequest;
  private readonly skipped = new Map<string, { type: string; reason: string; count: number; examples: string[] }>();
  private readonly servicesWithSelector = new Set<string>();
  private namespaceNames: Promise<readonly string[] | undefined> | undefined;

  constructor(request: ClusterReadRequest) {
    this.request = request;
  }

  /**
   * The types to read, Services first: their selectors decide which Endpoints belong to
   * the endpoints controller, so they must be read before the rest.
   */
  async types(): Promise<{ first: readonly ResourceType[]; rest: readonly ResourceType[] }> {
    const discovery = await discover(this.request.http);
    for (const f of discovery.failures) {
      this.failures.push({ type: f.groupVersion, error: `discovery: ${f.error}` });
      this.unreadableGroups.add(f.groupVersion.includes('/') ? f.groupVersion.split('/')[0]! : '');
    }
    const unknown = unmatchedResourceNames(this.request.filters, discovery.types);
    if (unknown.length > 0 && this.request.unknownTypes === 'error') {
      throw new UsageError(`--include-resources ${unknown.join(', ')}: the cluster serves no such resource type`, {
        hint: 'name types as kubectl api-resources lists them (deployments, deployments.apps, Deployment)',
      });
    }
    for (const name of unknown) this.failures.push({ type: name, error: 'named in includeResources, but the cluster serves no such resource type' });
    this.served = discovery.types;
    this.versions = discovery.versions;
    const selected: ResourceType[] = [];
    for (const type of discovery.types) {
      if (!typeSelected(this.request.filters, type)) continue;
      const reason = typeSkipReason(type);
      if (reason === undefined) selected.push(type);
      else this.typeSkips.push({ type: typeName(type), reason });
    }
    return { first: selected.filter((t) => isCore(t, 'services')), rest: selected.filter((t) => !isCore(t, 'services')) };
  }

  /** Reads one type; `take` gets each page's kept objects. Returns whether the whole type was read. */
  async read(type: ResourceType, take: (objects: readonly KubeObject[]) => Promise<void>): Promise<boolean> {
    const { filters } = this.request;
    const list = async (namespace?: string): Promise<void> => {
      for await (const page of listPages(this.request.http, type, {
        limit: PAGE,
        ...(namespace !== undefined && { namespace }),
        ...(this.request.labelSelector !== undefined && { labelSelector: this.request.labelSelector }),
        ...(this.request.signal && { signal: this.request.signal }),
      })) {
        this.request.signal?.throwIfAborted();
        await take(page.filter((object) => this.keep(type, object)));
      }
    };
    const perNamespace = type.namespaced ? literalNamespaces(filters) : undefined;
    if (perNamespace !== undefined) return this.eachNamespace(type, perNamespace, list);
    try {
      await list();
      return true;
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.status !== 403 || !type.namespaced) {
        this.failures.push({ type: typeName(type), error: describeKubeError(error) });
        return false;
      }
      // Forbidden cluster-wide: this identity may still read some namespaces (a RoleBinding each).
      const namespaces = await this.namespaces();
      if (namespaces === undefined) {
        this.failures.push({ type: typeName(type), error: describeKubeError(error) });
        return false;
      }
      return this.eachNamespace(type, namespaces.filter((n) => namespaceSelected(filters, n)), list);
    }
  }

  /** Every skip by type and reason, with a few examples each. */
  skips(): SkipRecord[] {
    return [...this.typeSkips, ...[...this.skipped.values()].sort((a, b) => (a.type + a.reason < b.type + b.reason ? -1 : 1))];
  }

  private keep(type: ResourceType, object: KubeObject): boolean {
    const namespace = object.metadata.namespace ?? '';
    const isNamespace = isCore(type, 'namespaces');
    if ((type.namespaced || isNamespace) && !namespaceSelected(this.request.filters, isNamespace ? object.metadata.name : namespace)) return false;
    if (isCore(type, 'services')) {
      const key = serviceSelectorKey(object);
      if (key !== undefined) this.servicesWithSelector.add(key);
    }
    const reason = objectSkipReason(type, object, { servicesWithSelector: this.servicesWithSelector });
    if (reason === undefined) return true;
    const key = `${typeName(type)}\u0000${reason}`;
    let entry = this.skipped.get(key);
    if (entry === undefined) this.skipped.set(key, (entry = { type: typeName(type), reason, count: 0, examples: [] }));
    entry.count++;
    if (entry.examples.length < EXAMPLES) entry.examples.push(namespace === '' ? object.metadata.name : `${namespace}/${object.metadata.name}`);
    this.skippedObjects++;
    return false;
  }

  /** Lists a namespaced type namespace by namespace; failures are gathered into one record per error. */
  private async eachNamespace(type: ResourceType, namespaces: readonly string[], list: (namespace: string) => Promise<void>): Promise<boolean> {
    const failed = new Map<string, string[]>();
    for (const namespace of namespaces) {
      try {
        await list(namespace);
      } catch (error) {
        const message = describeKubeError(error).replaceAll(namespace, '<namespace>');
        failed.set(message, [...(failed.get(message) ?? []), namespace]);
      }
    }
    for (const [error, where] of failed) this.failures.push({ type: typeName(type), namespaces: where, error });
    return failed.size === 0;
  }

  private namespaces(): Promise<readonly string[] | undefined> {
    this.namespaceNames ??= (async () => {
      const names: string[] = [];
      for await (const page of listPages(this.request.http, NAMESPACES)) names.push(...page.map((n) => n.metadata.name));
      return names;
    })().catch(() => undefined);
    return this.namespaceNames;
  }
}

/** A failure record as one warning line. */
export function failureText(f: FailureRecord): string {
  const where = f.namespaces === undefined ? '' : ` in ${f.namespaces.length} namespace(s) (${f.namespaces.slice(0, EXAMPLES).join(', ')}${f.namespaces.length > EXAMPLES ? ', …' : ''})`;
  return `objects: ${f.type}${where}: ${f.error}`;
}
