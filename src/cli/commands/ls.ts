/** `strata ls ID [PATH]`: the entries of a snapshot. */
import { Command } from 'commander';
import { walkSnapshot } from '../../engine/listing.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { withRepository } from '../with-repository.ts';

function modeString(type: string, mode: number): string {
  const kind = { dir: 'd', symlink: 'l', fifo: 'p', chardev: 'c', blockdev: 'b', socket: 's' }[type] ?? '-';
  const bits = 'rwxrwxrwx'.split('').map((c, i) => ((mode >> (8 - i)) & 1 ? c : '-')).join('');
  return kind + bits;
}

export function lsCommand(): Command {
  return new Command('ls')
    .description('list the files and directories in a snapshot')
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .argument('[path]', 'only this path and what is below it, e.g. /files/etc/kubernetes', '/')
    .addHelpText('after', `
Paths in a snapshot start with the source: /files/… for the files source.

Examples:
  strata ls latest --repo /var/backups/strata
  strata ls 4f2a9c1e /files/etc/kubernetes/pki --repo /var/backups/strata --json
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, path: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        await repository.loadIndex();
        const snapshot = await findSnapshot(repository, ref);
        const entries = [];
        for await (const { path: p, node } of walkSnapshot(repository, snapshot.tree, path)) {
          if (global.json) entries.push({ path: p, type: node.type, mode: node.mode, uid: node.uid, gid: node.gid, size: node.size ?? 0, mtime: new Date(Number(BigInt(node.mtimeNs) / 1_000_000n)).toISOString(), ...(node.target === undefined ? {} : { target: node.target }) });
          else printLine(`${modeString(node.type, node.mode)} ${String(node.uid).padStart(5)} ${String(node.gid).padStart(5)} ${String(node.size ?? 0).padStart(12)}  ${p}${node.target === undefined ? '' : ` -> ${node.target}`}`);
        }
        if (global.json) printJson(entries);
      });
    });
}
