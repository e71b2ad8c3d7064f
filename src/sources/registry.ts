/**
 * The one registry of sources: the engine, the configuration schema, `show`, `snapshots`
 * and the metrics find every source here, in the order runs take them (etcd first, so the
 * API objects read after it are no older than it). Adding a source is one line below.
 */
import { z } from 'zod';
import { configSchemaWith } from '../core/config/schema.ts';
import { UsageError } from '../core/errors.ts';
import type { KubeHttp } from '../kube/http.ts';
import type { SnapshotSource, StoredSnapshot } from '../repository/snapshot.ts';
import { commandSource } from './command/source.ts';
import { etcdSource } from './etcd/source.ts';
import { mkeSource } from './mke/source.ts';
import { msrSource } from './msr/source.ts';
import { fileTrees } from './files/file-trees.ts';
import { filesSource } from './files/source.ts';
import { objectsSource } from './objects/source.ts';
import { registrySource } from './registry/source.ts';
import type { FileTrees, Source, SourceDescription } from './source.ts';
import { swarmSource } from './swarm/source.ts';
import { volumesSource } from './volumes/source.ts';

export const SOURCES: readonly Source[] = [etcdSource, objectsSource, volumesSource, filesSource, swarmSource, mkeSource, msrSource, registrySource, commandSource].sort((a, b) => a.order - b.order);

const byType = new Map(SOURCES.map((s) => [s.type as string, s]));

/** The sources' services lent to other sources (a source never imports another). */
export const services: { readonly fileTrees: FileTrees } = { fileTrees };

const entries = SOURCES.map((s) => s.entry) as unknown as [z.ZodObject<{ type: z.ZodString }>, ...z.ZodObject<{ type: z.ZodString }>[]];

/** A plan's `sources:` entry: one variant per source. */
const typeNames = SOURCES.map((s) => s.type).sort();
export const sourceEntrySchema = z.discriminatedUnion('type', entries, {
  error: `expected a source with type ${typeNames.slice(0, -1).join(', ')} or ${typeNames.at(-1)}`,
});

/** The schema of strata.yaml. */
export const configSchema = configSchemaWith(sourceEntrySchema);

/** The source of a type, if this version runs it. */
export const knownSource = (type: string): Source | undefined => byType.get(type);

/** The source of a type; `field` names where the type was given, for the error. */
export function sourceFor(type: string, field: string): Source {
  const source = byType.get(type);
  if (source !== undefined) return source;
  throw new UsageError(`${field}: type ${type} cannot run in this version of strata`, {
    hint: `remove it from the plan for now; runnable types: ${SOURCES.map((s) => s.type).join(', ')}`,
  });
}

/** How a stored source reads; a type this version does not know is named, not guessed at. */
export function describeSource(stored: SnapshotSource): SourceDescription {
  return byType.get(stored.type)?.describe(stored) ?? { headline: '(a source this version of strata does not know)', details: [], labels: [] };
}

/** Short labels of a snapshot's sources for `strata snapshots` (etcd@REVISION, objects:N). */
export function sourceLabels(sources: readonly SnapshotSource[]): string[] {
  return sources.flatMap((s) => describeSource(s).labels);
}

/** What the snapshots hold outside the repository (CSI VolumeSnapshots), by name. */
export function heldOutside(snapshots: readonly StoredSnapshot[]): string[] {
  return SOURCES.flatMap((s) => s.outside?.held(snapshots) ?? []);
}

/** Deletes, in the connected cluster, what forgotten snapshots held outside the repository. */
export async function releaseOutside(kube: KubeHttp, forgotten: readonly StoredSnapshot[]): Promise<{ released: string[]; warnings: string[] }> {
  const released: string[] = [];
  const warnings: string[] = [];
  for (const source of SOURCES) {
    if (source.outside === undefined || source.outside.held(forgotten).length === 0) continue;
    const outcome = await source.outside.release(kube, forgotten);
    released.push(...outcome.released);
    warnings.push(...outcome.warnings);
  }
  return { released, warnings };
}
