/**
 * The `objects` source: every object the cluster reader keeps, exactly as the API returned
 * it (status included; restore sanitises), one line of its type's file, stored in groups.
 * A few types are listed at once; only one page and one open group per type are in
 * memory. Anything that could not be read makes the snapshot partially failed instead of
 * stopping it.
 */
import { forEachBounded } from '../../core/bounded.ts';
import { typeName, type KubeObject, type ResourceType } from '../../core/objects/types.ts';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { ClusterReader, failureText, type ClusterReadRequest } from './cluster-reader.ts';
import { ObjectGroups } from './groups.ts';
import { directoryNode, OBJECTS_DIR, typeFileNode, typeRecord, versionedName, type TypeRecord } from './layout.ts';
import type { ObjectsRecord } from './record.ts';

export interface ObjectsBackupRequest extends ClusterReadRequest {
  /** Types listed at once (default 4). */
  readonly concurrency?: number;
  /** Also store every object at each other version its type is served at (Velero's EnableAPIGroupVersions). */
  readonly allVersions?: boolean;
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

export class ObjectsBackup {
  readonly progress: ObjectsProgress = { typesTotal: 0, typesDone: 0, objects: 0, skipped: 0, bytes: 0 };
  private readonly writer: BlobWriter;

  constructor(writer: BlobWriter) {
    this.writer = writer;
  }

  async run(request: ObjectsBackupRequest): Promise<ObjectsBackupResult> {
    const reader = new ClusterReader(request);
    const { first, rest } = await reader.types();
    this.progress.typesTotal = first.length + rest.length;
    const records: TypeRecord[] = [];
    const typeNodes: TreeNode[] = [];
    const backupType = async (type: ResourceType): Promise<void> => {
      const { count, node } = await this.backupType(reader, type, typeName(type));
      const otherVersions: { version: string; objects: number }[] = [];
      if (node !== undefined) typeNodes.push(node);
      for (const version of request.allVersions === true ? (reader.versions.get(typeName(type)) ?? []).filter((v) => v !== type.version) : []) {
        const other = await this.backupType(reader, { ...type, version }, versionedName(type, version), false);
        otherVersions.push({ version, objects: other.count });
        if (other.node !== undefined) typeNodes.push(other.node);
      }
      records.push({ ...typeRecord(type, count), ...(otherVersions.length > 0 && { otherVersions }) });
      this.progress.typesDone++;
      this.progress.skipped = reader.skippedObjects;
    };
    for (const type of first) await backupType(type);
    await forEachBounded(rest, request.concurrency ?? 4, backupType);

    const tree = await this.writer.saveTree(typeNodes);
    records.sort((a, b) => (typeName(a) < typeName(b) ? -1 : 1));
    const clusterId = await request.http.json<KubeObject>('/api/v1/namespaces/kube-system').then((ns) => ns.metadata.uid, () => undefined);
    const record: ObjectsRecord = {
      server: request.http.connection.server,
      ...(clusterId !== undefined && { clusterId }),
      ...(request.labelSelector !== undefined && { labelSelector: request.labelSelector }),
      objects: this.progress.objects,
      types: records,
      skipped: reader.skips(),
      failures: reader.failures,
    };
    return { node: directoryNode(OBJECTS_DIR, tree), record, warnings: reader.failures.map(failureText), failed: reader.failures.length > 0 };
  }

  /** Lists one type and stores its objects; returns the type's directory node (none when empty). */
  private async backupType(reader: ClusterReader, type: ResourceType, name: string, counted = true): Promise<{ count: number; node: TreeNode | undefined }> {
    const groups = new ObjectGroups(this.writer);
    await reader.read(type, async (objects) => {
      for (const object of objects) {
        const bytes = Buffer.from(JSON.stringify(object));
        await groups.add(bytes, `${object.metadata.namespace ?? ''}/${object.metadata.name}`);
        if (counted) this.progress.objects++;
        this.progress.bytes += bytes.length;
      }
    });
    const stored = await groups.finish();
    if (stored.objects === 0) return { count: 0, node: undefined };
    return { count: stored.objects, node: directoryNode(name, await this.writer.saveTree([typeFileNode(stored)])) };
  }
}
