/**
 * The command source on the Source contract: any program whose standard output is worth
 * keeping (a vendor's backup tool, `tar`, a dump), each entry one item, stored deduplicated
 * under command/NAME with how the program ended; the escape hatch for what Strata has no
 * source for, and what the Mirantis sources build on.
 */
import { OperationError, UsageError } from '../../core/errors.ts';
import { DEFAULT_DOCKER_HOST } from '../../docker/connection.ts';
import { DockerEngine } from '../../docker/http.ts';
import { notPlacedHere } from '../placement.ts';
import { formatBytes, formatSeconds } from '../../core/format.ts';
import { directoryNode } from '../../repository/item-nodes.ts';
import type { TreeNode } from '../../repository/tree.ts';
import type { Source } from '../source.ts';
import { runItem } from './backup.ts';
import { commandEntry, entriesOf, type CommandEntries } from './entry.ts';
import { commandEnvironment } from './environment.ts';
import { commandManifest } from './manifest.ts';
import type { CommandRecord } from './record.ts';
import { planCommandRestore, type CommandRestoreOptions } from './restore.ts';

export const commandSource: Source<CommandEntries, undefined, CommandRestoreOptions> = {
  type: 'command',
  // Last: vendor tools come after the platform's own state (Swarm, then MKE, then MSR).
  order: 70,
  entry: commandEntry,
  manifest: commandManifest,

  merge: (first, second) => ({ ...first, more: [...(first.more ?? []), ...entriesOf(second)] }),

  namedFiles: (entry, field) => entriesOf(entry).flatMap((e, i) => {
    const at = i === 0 ? field : `${field} (${e.name})`;
    return [
      ...(e.envFiles ?? []).map((file, j) => [`${at}.envFiles[${j}]`, file, 'secret'] as const),
      ...Object.entries(e.envFromFiles ?? {}).map(([key, file]) => [`${at}.envFromFiles.${key}`, file, 'secret'] as const),
    ];
  }),

  async prepare(entry, settings) {
    const entries = entriesOf(entry);
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.name)) throw new UsageError(`${settings.field('name')}: two command entries are named ${e.name}`, { hint: 'give each command its own name: it is the item\'s name in the snapshot' });
      seen.add(e.name);
    }
    // Read now: a missing secret file stops the run before anything runs.
    const environments = entries.map((e) => commandEnvironment(e, settings.field));
    for (const { warnings } of environments) for (const w of warnings) settings.warn(w);
    return {
      async backup(context) {
        const items = [];
        const skipped: string[] = [];
        let engine: DockerEngine | undefined;
        const local = () => (engine ??= new DockerEngine({ host: DEFAULT_DOCKER_HOST, field: settings.field('where') }));
        for (const [i, e] of entries.entries()) {
          const away = await notPlacedHere(e.where, settings, local);
          if (away !== undefined) {
            skipped.push(`command ${e.name}: ${away}`);
            continue;
          }
          context.progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] command: ${e.name} (${e.command[0]})`);
          items.push(await runItem(e, environments[i]!.env, context));
        }
        engine?.close();
        if (items.length === 0) return { leftTo: skipped.join('; ') };
        const failed = items.filter((i) => i.record.failed !== undefined);
        if (failed.length === items.length) {
          const first = failed[0]!.record;
          throw new OperationError(`command ${first.name} (${first.command.join(' ')}): ${first.failed}`, { hint: items.length === 1 ? 'nothing was stored; see its standard error above' : 'no command succeeded; nothing was stored' });
        }
        const nodes = items.flatMap((i) => (i.node === undefined ? [] : [i.node])).sort((a: TreeNode, b: TreeNode) => a.name.localeCompare(b.name));
        const record: CommandRecord = { items: items.map((i) => i.record) };
        const bytes = nodes.reduce((sum, n) => sum + (n.size ?? 0), 0);
        return {
          node: directoryNode('command', await context.writer.saveTree(nodes)),
          source: { type: 'command', record },
          warnings: [...failed.map((i) => `command ${i.record.name}: ${i.record.failed}`), ...skipped],
          failed: failed.length > 0,
          summary: { files: nodes.length, dirs: 1, bytes },
        };
      },
    };
  },

  describe(source) {
    const { items } = source.record as CommandRecord;
    return {
      headline: items.map((i) => `${i.name} ${i.failed === undefined ? formatBytes(i.bytes) : 'FAILED'}`).join(', '),
      details: items.map((i) => ['command', `${i.name}: ${i.command.join(' ')}: ${i.exit}, ${formatBytes(i.bytes)} in ${formatSeconds(i.durationMs / 1000)}${i.verify === undefined ? '' : `, verify ${i.verify.ok ? 'ok' : `FAILED (${i.verify.exit})`}`}${i.failed === undefined ? '' : `; FAILED: ${i.failed}`}`] as const),
      labels: [`command:${items.filter((i) => i.failed === undefined).length}`],
    };
  },

  // One item at a time, by the name its entry gave it (strata show lists them).
  restoreFlags: () => '--command NAME',
  restore: planCommandRestore,
};
