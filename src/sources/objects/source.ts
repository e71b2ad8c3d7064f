/**
 * The objects source on the Source contract: every API object the filters select from the
 * cluster, one blob per object (an unchanged object costs nothing, so it needs no base),
 * described by how many objects of which types, and what was left out and why.
 */
import { formatSeconds, perSecond } from '../../core/format.ts';
import { typeName } from '../../core/objects/types.ts';
import type { Source } from '../source.ts';
import { drillObjects, drillObjectsInPlace } from './drill.ts';
import { ObjectsBackup } from './backup.ts';
import { objectsEntry, type ObjectsEntry } from './entry.ts';
import { objectsManifest } from './manifest.ts';
import type { ObjectsRecord } from './record.ts';
import { planObjectsRestore, type ObjectsRestoreOptions } from './restore.ts';

export const objectsSource: Source<ObjectsEntry, undefined, ObjectsRestoreOptions> = {
  type: 'objects',
  order: 20,
  entry: objectsEntry,
  manifest: objectsManifest,

  async prepare(entry, settings) {
    const http = await settings.kube();
    return {
      async backup(context) {
        const objects = new ObjectsBackup(context.writer);
        const p = objects.progress;
        context.progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] API objects: ${p.typesDone} of ${p.typesTotal} types listed, ${p.objects} objects (${p.skipped} skipped), ${perSecond(p.objects, elapsedMs).toFixed(0)} objects/s`);
        const result = await objects.run({
          http,
          filters: {
            includeNamespaces: entry.includeNamespaces ?? [],
            excludeNamespaces: entry.excludeNamespaces ?? [],
            includeResources: entry.includeResources ?? [],
            excludeResources: entry.excludeResources ?? [],
            clusterScoped: entry.clusterScoped,
          },
          ...(entry.labelSelector !== undefined && { labelSelector: entry.labelSelector }),
          ...(entry.allVersions && { allVersions: true }),
          ...(entry.unknownTypes !== undefined && { unknownTypes: entry.unknownTypes }),
          ...(context.signal !== undefined && { signal: context.signal }),
        });
        return {
          node: result.node,
          source: { type: 'objects', record: result.record },
          warnings: result.warnings,
          failed: result.failed,
          summary: { files: result.record.objects, dirs: 0, bytes: p.bytes },
        };
      },
    };
  },

  describe(source) {
    const objects = source.record as ObjectsRecord;
    const skipped = objects.skipped.reduce((sum, s) => sum + (s.count ?? 0), 0);
    return {
      headline: `${objects.objects} from ${objects.types.filter((t) => t.objects > 0).length} types of ${objects.server}${objects.labelSelector === undefined ? '' : ` (selector ${objects.labelSelector})`}, ${skipped} left out by rule`,
      details: [
        // Every type the backup read, zero included: a type missing here was not backed up.
        ...objects.types.map((t) => ['type', `${typeName(t)}/${t.version} ${t.objects}`] as const),
        ...objects.skipped.map((skip) => ['left out', `${skip.type}${skip.count === undefined ? '' : ` ×${skip.count}`}: ${skip.reason}${skip.examples?.length ? ` (e.g. ${skip.examples.slice(0, 2).join(', ')})` : ''}`] as const),
        ...objects.failures.map((f) => ['unread', `${f.type}${f.namespaces === undefined ? '' : ` in ${f.namespaces.join(', ')}`}: ${f.error}`] as const),
      ],
      labels: [`objects:${objects.objects}`],
    };
  },

  restore: planObjectsRestore,
  drill: drillObjects,
  drillInPlace: drillObjectsInPlace,
};
