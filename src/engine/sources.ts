/**
 * Entries (from a plan or from CLI flags) made into runnable sources through the registry:
 * each source resolves its own entry against the cluster and this machine, and the run
 * takes them in the registry's order. The engine names no source type.
 */
import type { ClusterConfig } from '../core/config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { connect } from '../kube/connection.ts';
import { KubeHttp } from '../kube/http.ts';
import { sourceFor } from '../sources/registry.ts';
import type { Source, SourceEntry, SourceRun } from '../sources/source.ts';

/** An entry, and how to name it (or one of its keys) in an error. */
export interface NamedEntry {
  readonly entry: SourceEntry;
  field(key?: string): string;
}

export interface PreparedRun {
  readonly source: Source;
  readonly run: SourceRun;
}

export interface PreparedSources {
  readonly runs: readonly PreparedRun[];
  /** Problems that do not stop the run, to record in the snapshot. */
  readonly warnings: readonly string[];
  /** Releases the connections the sources hold. */
  close(): void;
}

export interface Surroundings {
  readonly cluster: ClusterConfig | undefined;
  readonly hostRoot: string;
  readonly node?: string;
  /** The plan being run; none from the CLI. */
  readonly plan?: string;
}

/** One entry per source type: a second is merged when the source knows how, else refused. */
function combine(entries: readonly NamedEntry[]): { source: Source; named: NamedEntry }[] {
  const combined = new Map<string, { source: Source; named: NamedEntry }>();
  for (const named of entries) {
    const source = sourceFor(named.entry.type, named.field());
    const earlier = combined.get(source.type);
    if (earlier === undefined) combined.set(source.type, { source, named });
    else if (source.merge !== undefined) combined.set(source.type, { source, named: { entry: source.merge(earlier.named.entry, named.entry), field: earlier.named.field } });
    else throw new UsageError(`${named.field()}: a second ${source.type} entry (the first is ${earlier.named.field()})`, { hint: `one run takes one ${source.type} entry: merge them` });
  }
  return [...combined.values()].sort((a, b) => a.source.order - b.source.order);
}

export async function prepareSources(entries: readonly NamedEntry[], surroundings: Surroundings): Promise<PreparedSources> {
  if (entries.length === 0) throw new UsageError('nothing to back up', { hint: 'give --etcd, --objects, --volumes, --control-plane, --files PATH, --swarm or --command NAME=PROGRAM' });
  const combined = combine(entries);
  let http: Promise<KubeHttp> | undefined;
  const { cluster } = surroundings;
  const kube = () => (http ??= connect({ kubeconfig: cluster?.kubeconfig, context: cluster?.context }).then((c) => new KubeHttp(c)));
  const close = () => void http?.then((h) => h.close(), () => undefined);
  const warnings: string[] = [];
  const runs: PreparedRun[] = [];
  try {
    for (const { source, named } of combined) {
      const run = await source.prepare(named.entry, {
        cluster,
        hostRoot: surroundings.hostRoot,
        ...(surroundings.node !== undefined && { node: surroundings.node }),
        ...(surroundings.plan !== undefined && { plan: surroundings.plan }),
        field: named.field,
        kube,
        warn: (message) => void warnings.push(message),
      });
      runs.push({ source, run });
    }
  } catch (error) {
    close();
    throw error;
  }
  return { runs, warnings, close };
}
