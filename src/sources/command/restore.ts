/**
 * `strata restore ID --command NAME`: the item fed to the restore command its entry named
 * (with the same environment files), or with `--command-output FILE` written to a new file
 * (mode 0600), for a vendor's own restore procedure.
 */
import { Duration } from '../../core/duration.ts';
import { formatBytes } from '../../core/format.ts';
import { OperationError, UsageError } from '../../core/errors.ts';
import { describeExit, startProgram } from '../../programs/program.ts';
import type { Id } from '../../repository/hash.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import { keepTail, ProgramInput, storedBytes, withLastLine, writeItemFile } from '../program-output.ts';
import type { PlannedRestore, RestoreContext, RestoreOutcome } from '../source.ts';
import { commandEnvironment } from './environment.ts';
import type { CommandItemRecord, CommandRecord } from './record.ts';

export interface CommandRestoreOptions {
  /** The item; every stored item when unset. */
  readonly name?: string;
  /** Write the item here instead of running its restore command. */
  readonly output?: string;
}

export async function planCommandRestore({ repository, snapshot }: RestoreContext, options: CommandRestoreOptions): Promise<PlannedRestore> {
  const source = snapshot.sources.find((s) => s.type === 'command');
  if (source === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds no command items`, { hint: 'pick a snapshot with command:N in `strata snapshots`' });
  const record = source.record as CommandRecord;
  const stored = record.items.filter((i) => i.failed === undefined);
  const items = options.name === undefined ? stored : stored.filter((i) => i.name === options.name);
  if (items.length === 0) throw new UsageError(`--command ${options.name ?? ''}: snapshot ${snapshot.id.slice(0, 8)} has no such item (it has ${stored.map((i) => i.name).join(', ') || 'none that succeeded'})`);
  if (options.output !== undefined && items.length > 1) throw new UsageError('--command-output takes one item: give --command NAME');
  const noWay = items.filter((i) => options.output === undefined && i.restore === undefined);
  if (noWay.length > 0) throw new UsageError(`--command ${noWay[0]!.name}: its entry has no restore command`, { hint: 'give --command-output FILE to write the item to a file' });
  const tree = await sourceTree(repository, snapshot.tree, 'command');
  const nodes = tree === undefined ? [] : (await repository.loadTree(tree)).nodes;
  const contentOf = (item: CommandItemRecord): readonly Id[] => {
    const node = nodes.find((n) => n.name === item.name);
    if (node?.content === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)}: item ${item.name} is missing from its tree`, { hint: 'run `strata check --read-data`' });
    return node.content;
  };
  const contents = new Map(items.map((i) => [i.name, contentOf(i)]));
  const how = (i: CommandItemRecord) => (options.output !== undefined ? `write ${i.name} (${formatBytes(i.bytes)}) to ${options.output} (mode 0600, must not exist)` : `run ${i.restore!.command.join(' ')} with ${i.name} (${formatBytes(i.bytes)}) on its standard input`);
  return {
    text: items.map(how).join('\n'),
    json: { snapshot: snapshot.id, items: items.map((i) => ({ name: i.name, bytes: i.bytes, ...(options.output !== undefined ? { output: options.output } : { command: i.restore!.command }) })) },
    async apply(): Promise<RestoreOutcome> {
      const lines: string[] = [];
      const errors: string[] = [];
      for (const item of items) {
        const content = contents.get(item.name)!;
        if (options.output !== undefined) {
          await writeItemFile(repository, content, options.output, '--command-output');
          lines.push(`wrote ${item.name} (${formatBytes(item.bytes)}) to ${options.output}`);
          continue;
        }
        const restore = item.restore!;
        const { env } = commandEnvironment({
          type: 'command', name: item.name, command: [...restore.command], timeout: restore.timeout,
          ...(restore.env !== undefined && { env: { ...restore.env } }), ...(restore.envFiles !== undefined && { envFiles: [...restore.envFiles] }),
          ...(restore.envFromFiles !== undefined && { envFromFiles: { ...restore.envFromFiles } }),
        }, (key) => `the restore of ${item.name}: ${key}`);
        const program = startProgram(restore.command[0]!, restore.command.slice(1), { timeoutMs: Duration.parse(restore.timeout)!.milliseconds, env, stdin: 'pipe', ...(restore.cwd !== undefined && { cwd: restore.cwd }) });
        const stderr = keepTail(program.child.stderr!);
        program.child.stdout!.resume();
        // A restore command that stops reading (EPIPE) is judged by its exit status.
        const input = new ProgramInput(program.child.stdin!);
        for await (const bytes of storedBytes(repository, content)) {
          if (input.stopped) break;
          await input.write(bytes);
        }
        input.end();
        const exit = await program.exited.catch((error: Error) => {
          throw new OperationError(`the restore command of ${item.name} (${restore.command.join(' ')}) could not start: ${error.message}`);
        });
        if (exit.code === 0 && exit.stoppedBecause === undefined) lines.push(`restored ${item.name} (${formatBytes(item.bytes)}) through ${restore.command.join(' ')}`);
        else errors.push(`${item.name}: ${restore.command.join(' ')}: ${withLastLine(describeExit(exit), stderr())}`);
      }
      return {
        lines,
        json: { snapshot: snapshot.id, restored: lines.length, errors },
        warnings: [],
        errors,
        ...(errors.length > 0 && { failure: { message: `${errors.length} command items were not restored`, hint: 'see the errors above' } }),
      };
    },
  };
}
