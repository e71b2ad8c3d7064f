/**
 * The `objects` source: every served type the filters select, listed page by page with a
 * few types in flight, each object stored as its own blob exactly as the API returned it
 * (status included; restore sanitises). Only one page per type is in memory, plus one tree
 * node per object until its directory is written. What is left out is recorded with the
 * reason; what cannot be read (RBAC, an aggregated API that is down) is recorded per type
 * and namespace and makes the snapshot partially failed instead of stopping it.
 */
import { forEachBounded } from '../../core/bounded.ts';
import { literalNamespaces, namespaceSelected, typeSelected, type ObjectFilters } from '../../core/objects/filters.ts';
import { objectSkipReason, serviceSelectorKey, typeSkipReason, type SkipContext } from '../../core/objects/skip.ts';
import { typeName, type KubeObject, type ResourceType } from '../../core/objects/types.ts';
import { discover } from '../../kube/discovery.ts';
import { KubeApiError, type KubeHttp } from '../../kube/http.ts';
import { listPages } from '../../kube/list.ts';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { directoryNode, OBJECTS_DIR, objectNode, typeRecord, type TypeRecord } from './layout.ts';
import type { FailureRecord, ObjectsRecord, SkipRecord } from './record.ts';

export interface ObjectsBackupRequest {
  readonly http: KubeHttp;
  readonly filters: ObjectFilters;
  readonly labelSelector?: string;
  /** Types listed at once (default 4). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface ObjectsProgress {
  typesTotal: number;
  typesDone: number;
  objects: number;
  skipped: number;
  bytes: number;
}

export interface ObjectsBackupResult {
  readonly node: TreeNode;
  readonly record: ObjectsRecord;
  readonly warnings: readonly string[];
  readonly failed: boolean;
}

const EXAMPLES = 5;
const SERVICES = 'services';

export class ObjectsBackup {
  readonly progress: ObjectsProgress = { typesTotal: 0, typesDone: 0, objects: 0, skipped: 0, bytes: 0 };
  private readonly writer: BlobWriter;
  private readonly skipped = new Map<string, { type: string; reason: string; count: number; examples: string[] }>();
  private readonly failures: FailureRecord[] = [];
  private readonly servicesWithSelector = new Set<string>();
  private namespaceNames: Promise<readonly string[]> | undefined;

  constructor(writer: BlobWriter) {
    this.writer = writer;
  }

  async run(request: ObjectsBackupRequest): Promise<ObjectsBackupResult> {
    const { http, filters } = request;
    const discovery = await discover(http);
    for (const f of discovery.failures) this.failures.push({ type: f.groupVersion, error: `discovery: ${f.error}` });
    const typeSkips: SkipRecord[] = [];
    const selected: ResourceType[] = [];
    for (const type of discovery.types) {
      if (!typeSelected(filters, type)) continue;
      const reason = typeSkipReason(type);
      if (reason === undefined) selected.push(type);
      else typeSkips.push({ type: typeName(type), reason });
    }
    this.progress.typesTotal = selected.length;

    // Services first: their selectors decide which Endpoints belong to a controller.
    const services = selected.filter((t) => t.group === '' && t.resource === SERVICES);
    const rest = selected.filter((t) => !services.includes(t));
    const records: TypeRecord[] = [];
    const typeNodes: TreeNode[] = [];
    const backupType = async (type: ResourceType): Promise<void> => {
      const { count, node } = await this.backupType(request, type);
      records.push(typeRecord(type, count));
      if (node !== undefined) typeNodes.push(node);
      this.progress.typesDone++;
    };
    for (const type of services) await backupType(type);
    await forEachBounded(rest, request.concurrency ?? 4, backupType);

    const tree = await this.writer.saveTree(typeNodes);
    records.sort((a, b) => (typeName(a) < typeName(b) ? -1 : 1));
    const clusterId = await http.json<KubeObject>('/api/v1/namespaces/kube-system').then((ns) => ns.metadata.uid, () => undefined);
    const record: ObjectsRecord = {
      server: http.connection.server,
      ...(clusterId !== undefined && { clusterId }),
      ...(request.labelSelector !== undefined && { labelSelector: request.labelSelector }),
      objects: this.progress.objects,
      types: records,
      skipped: [...typeSkips, ...[...this.skipped.values()].sort((a, b) => (a.type + a.reason < b.type + b.reason ? -1 : 1))],
      failures: this.failures,
    };
    const warnings = this.failures.map((f) => `objects: ${f.type}${f.namespaces === undefined ? '' : ` in ${f.namespaces.length} namespace(s) (${f.namespaces.slice(0, EXAMPLES).join(', ')}${f.namespaces.length > EXAMPLES ? ', …' : ''})`}: ${f.error}`);
    return { node: directoryNode(OBJECTS_DIR, tree), record, warnings, failed: this.failures.length > 0 };
  }

  /** Lists one type and stores its objects; returns the type's directory node (none when empty). */
  private async backupType(request: ObjectsBackupRequest, type: ResourceType): Promise<{ count: number; node: TreeNode | undefined }> {
    const byNamespace = new Map<string, TreeNode[]>();
    let count = 0;
    const store = async (objects: readonly KubeObject[]): Promise<void> => {
      for (const object of objects) {
        const namespace = object.metadata.namespace ?? '';
        const isNamespace = type.group === '' && type.resource === 'namespaces';
        if ((type.namespaced || isNamespace) && !namespaceSelected(request.filters, isNamespace ? object.metadata.name : namespace)) continue;
        if (type.group === '' && type.resource === SERVICES) {
          const key = serviceSelectorKey(object);
          if (key !== undefined) this.servicesWithSelector.add(key);
        }
        const reason = objectSkipReason(type, object, this.skipContext);
        if (reason !== undefined) {
          this.skip(type, reason, namespace === '' ? object.metadata.name : `${namespace}/${object.metadata.name}`);
          continue;
        }
        const bytes = Buffer.from(JSON.stringify(object));
        const id = await this.writer.saveData(bytes);
        let nodes = byNamespace.get(namespace);
        if (nodes === undefined) byNamespace.set(namespace, (nodes = []));
        nodes.push(objectNode(object.metadata.name, id, bytes.length, object.metadata['creationTimestamp'] as string | undefined));
        count++;
        this.progress.objects++;
        this.progress.bytes += bytes.length;
      }
    };
    const list = async (namespace?: string): Promise<void> => {
      for await (const page of listPages(request.http, type, {
        ...(namespace !== undefined && { namespace }),
        ...(request.labelSelector !== undefined && { labelSelector: request.labelSelector }),
        ...(request.signal && { signal: request.signal }),
      })) {
        request.signal?.throwIfAborted();
        await store(page);
      }
    };
    const perNamespace = type.namespaced ? literalNamespaces(request.filters) : undefined;
    if (perNamespace !== undefined) await this.eachNamespace(type, perNamespace, list);
    else {
      try {
        await list();
      } catch (error) {
        if (!(error instanceof KubeApiError) || error.status !== 403 || !type.namespaced) {
          this.failures.push({ type: typeName(type), error: describe(error) });
        } else {
          // Forbidden cluster-wide: this identity may still read some namespaces (a RoleBinding each).
          const namespaces = await this.namespaces(request);
          if (namespaces === undefined) this.failures.push({ type: typeName(type), error: describe(error) });
          else await this.eachNamespace(type, namespaces.filter((n) => namespaceSelected(request.filters, n)), list);
        }
      }
    }
    if (count === 0) return { count, node: undefined };
    if (!type.namespaced) return { count, node: directoryNode(typeName(type), await this.writer.saveTree(byNamespace.get('') ?? [])) };
    const namespaceNodes: TreeNode[] = [];
    for (const [namespace, nodes] of byNamespace) namespaceNodes.push(directoryNode(namespace, await this.writer.saveTree(nodes)));
    return { count, node: directoryNode(typeName(type), await this.writer.saveTree(namespaceNodes)) };
  }

  /** Lists a namespaced type namespace by namespace; failures are gathered into one record per error. */
  private async eachNamespace(type: ResourceType, namespaces: readonly string[], list: (namespace: string) => Promise<void>): Promise<void> {
    const failed = new Map<string, string[]>();
    for (const namespace of namespaces) {
      try {
        await list(namespace);
      } catch (error) {
        const message = describe(error).replaceAll(namespace, '<namespace>');
        failed.set(message, [...(failed.get(message) ?? []), namespace]);
      }
    }
    for (const [error, where] of failed) this.failures.push({ type: typeName(type), namespaces: where, error });
  }

  private namespaces(request: ObjectsBackupRequest): Promise<readonly string[] | undefined> {
    this.namespaceNames ??= (async () => {
      const names: string[] = [];
      const namespaces: ResourceType = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, verbs: [] };
      for await (const page of listPages(request.http, namespaces)) names.push(...page.map((n) => n.metadata.name));
      return names;
    })();
    return this.namespaceNames.catch(() => undefined);
  }

  private get skipContext(): SkipContext {
    return { servicesWithSelector: this.servicesWithSelector };
  }

  private skip(type: ResourceType, reason: string, name: string): void {
    const key = `${typeName(type)}\u0000${reason}`;
    let entry = this.skipped.get(key);
    if (entry === undefined) this.skipped.set(key, (entry = { type: typeName(type), reason, count: 0, examples: [] }));
    entry.count++;
    if (entry.examples.length < EXAMPLES) entry.examples.push(name);
    this.progress.skipped++;
  }
}

function describe(error: unknown): string {
  if (error instanceof KubeApiError) return `HTTP ${error.status}${error.reason === '' ? '' : ` ${error.reason}`}: ${error.message}`;
  return (error as Error).message;
}
