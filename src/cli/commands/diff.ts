/**
 * `strata diff ID [--against live|ID2]`: drift of API objects, field by field; between two
 * snapshots also what changed in every other source both hold that can say (registry tags
 * added, removed, re-pointed).
 */
import { Command } from 'commander';
import { OperationError } from '../../core/errors.ts';
import { diffAgainstLive, diffAgainstSnapshot, type DriftReport } from '../../sources/objects/diff.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { knownSource } from '../../sources/registry.ts';
import type { SourceDiff } from '../../sources/source.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { addObjectFilterOptions, objectFilters, type ObjectFilterFlags } from '../object-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { withRepository } from '../with-repository.ts';

interface DiffFlags extends ObjectFilterFlags {
  readonly against: string;
  readonly exitCode: boolean;
}

const short = (value: unknown): string => {
  const text = value === undefined ? '(absent)' : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** The diffs of the sources (other than objects) that both snapshots hold, by type. */
function sourceDiffs(before: StoredSnapshot, after: StoredSnapshot): Map<string, SourceDiff> {
  const diffs = new Map<string, SourceDiff>();
  for (const a of before.sources) {
    const b = after.sources.find((x) => x.type === a.type);
    const diff = knownSource(a.type)?.diff;
    if (b !== undefined && diff !== undefined) diffs.set(a.type, diff(a, b));
  }
  return diffs;
}

const holdsObjects = (s: StoredSnapshot) => s.sources.some((x) => x.type === 'objects');

export function diffCommand(): Command {
  const command = new Command('diff')
    .description('list API objects added, removed and changed between a snapshot and the live cluster or another snapshot (and image tags between two snapshots)')
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .option('--against <target>', '"live" (the --kubeconfig cluster) or a second snapshot ID', 'live')
    .option('-l, --selector <selector>', 'only live objects with these labels')
    .option('--exit-code', 'exit 1 when anything differs (for drift alerts)', false);
  return addObjectFilterOptions(command, 'compare cluster-scoped types too (the default unless --include-namespaces is given)')
    .addHelpText('after', `
Server-set metadata (uid, resourceVersion, timestamps, managed fields), status and the
annotations controllers rewrite are ignored. Objects the backup leaves out (events, pods
owned by controllers …) are left out here too. A type that cannot be read live is
reported, and its objects are not called removed.

Between two snapshots, other sources both hold are compared too: for the registry, tags
added (+), removed (-) and re-pointed to another digest (~).

Examples:
  strata diff latest --repo /var/backups/strata
  strata diff 4f2a9c1e --repo /var/backups/strata --against 9b01d2e3 --include-namespaces shop --json
  strata diff latest --repo /var/backups/strata --exclude-resources secrets --exit-code
  strata diff 4f2a9c1e --repo /var/backups/strata --against latest --json
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, flags: DiffFlags, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions & { selector?: string }>();
      // Naming namespaces narrows the comparison to them, as a restore of them would.
      const filters = { ...objectFilters(flags), clusterScoped: flags.clusterScoped ?? flags.includeNamespaces.length === 0 };
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        const other = flags.against === 'live' ? undefined : await findSnapshot(repository, flags.against);
        const sources = other === undefined ? new Map<string, SourceDiff>() : sourceDiffs(snapshot, other);
        // Two snapshots without API objects: only their other sources are compared.
        if (other !== undefined && sources.size > 0 && !(holdsObjects(snapshot) && holdsObjects(other))) {
          if (global.json) printJson({ snapshot: snapshot.id, against: other.id, sources: Object.fromEntries([...sources].map(([type, d]) => [type, d.json])) });
          else {
            printLine(`${snapshot.id.slice(0, 8)} → ${other.id.slice(0, 8)}`);
            for (const d of sources.values()) for (const line of d.lines) printLine(line);
          }
          if (flags.exitCode && [...sources.values()].some((d) => d.differs)) throw new OperationError('the snapshots differ', { hint: 'see the list above' });
          return;
        }
        let drift: DriftReport;
        if (other === undefined) {
          const http = new KubeHttp(await connect(global));
          try {
            drift = await diffAgainstLive(repository, snapshot, http, filters, global.selector);
          } finally {
            http.close();
          }
        } else drift = await diffAgainstSnapshot(repository, snapshot, other, filters);
        if (global.json) printJson({ snapshot: snapshot.id, ...drift, ...(sources.size > 0 && { sources: Object.fromEntries([...sources].map(([type, d]) => [type, d.json])) }) });
        else {
          const against = drift.against === 'live' ? 'live' : drift.against.slice(0, 8);
          printLine(`${snapshot.id.slice(0, 8)} → ${against}: ${drift.added.length} added, ${drift.removed.length} removed, ${drift.changed.length} changed, ${drift.unchanged} unchanged`);
          for (const key of drift.added) printLine(`+ ${key}`);
          for (const key of drift.removed) printLine(`- ${key}`);
          if (drift.notCovered.length > 0) {
            printLine(`not covered by the backup (${drift.notCovered.length}: live objects of types the snapshot did not back up):`);
            for (const key of drift.notCovered) printLine(`? ${key}`);
          }
          for (const object of drift.changed) {
            printLine(`~ ${object.key}`);
            for (const c of object.changes) printLine(`    ${c.path}: ${short(c.before)} → ${short(c.after)}`);
          }
        }
        if (!global.json) for (const d of sources.values()) for (const line of d.lines) printLine(line);
        for (const warning of drift.warnings) printError(`warning: ${warning}`);
        const differs = drift.added.length + drift.removed.length + drift.changed.length + drift.notCovered.length > 0 || [...sources.values()].some((d) => d.differs);
        if (flags.exitCode && differs) throw new OperationError('the objects differ', { hint: 'see the list above' });
      });
    });
}
