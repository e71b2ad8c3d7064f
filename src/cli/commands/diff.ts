/** `strata diff ID [--against live|ID2]`: drift of API objects, field by field. */
import { Command } from 'commander';
import { OperationError } from '../../core/errors.ts';
import { diffAgainstLive, diffAgainstSnapshot, type DriftReport } from '../../sources/objects/diff.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
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

export function diffCommand(): Command {
  const command = new Command('diff')
    .description('list API objects added, removed and changed between a snapshot and the live cluster or another snapshot')
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

Examples:
  strata diff latest --repo /var/backups/strata
  strata diff 4f2a9c1e --repo /var/backups/strata --against 9b01d2e3 --include-namespaces shop --json
  strata diff latest --repo /var/backups/strata --exclude-resources secrets --exit-code
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, flags: DiffFlags, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions & { selector?: string }>();
      // Naming namespaces narrows the comparison to them, as a restore of them would.
      const filters = { ...objectFilters(flags), clusterScoped: flags.clusterScoped ?? flags.includeNamespaces.length === 0 };
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        let drift: DriftReport;
        if (flags.against === 'live') {
          const http = new KubeHttp(await connect(global));
          try {
            drift = await diffAgainstLive(repository, snapshot, http, filters, global.selector);
          } finally {
            http.close();
          }
        } else drift = await diffAgainstSnapshot(repository, snapshot, await findSnapshot(repository, flags.against), filters);
        if (global.json) printJson({ snapshot: snapshot.id, ...drift });
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
        for (const warning of drift.warnings) printError(`warning: ${warning}`);
        const differs = drift.added.length + drift.removed.length + drift.changed.length + drift.notCovered.length > 0;
        if (flags.exitCode && differs) throw new OperationError('the objects differ', { hint: 'see the list above' });
      });
    });
}
