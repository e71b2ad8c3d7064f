/**
 * One item: the command's standard output streamed into the repository in content-defined
 * chunks (a mostly unchanged tar or dump costs only its changed chunks), and, when the entry
 * has one, into the verify command's standard input at the same time. A non-zero exit, a
 * time limit passed, no output at all, or a failed verify fails the item with its reason.
 */
import { Duration } from '../../core/duration.ts';
import { describeExit, startProgram } from '../../programs/program.ts';
import { StreamWriter } from '../../repository/stream-writer.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { itemNode, keepTail, ProgramInput, withLastLine } from '../program-output.ts';
import type { BackupContext } from '../source.ts';
import type { CommandEntry } from './entry.ts';
import type { CommandItemRecord } from './record.ts';

export interface CommandItem {
  readonly record: CommandItemRecord;
  /** The item's file node, absent when the item failed. */
  readonly node?: TreeNode;
}

export async function runItem(entry: CommandEntry, env: NodeJS.ProcessEnv, context: BackupContext<unknown>): Promise<CommandItem> {
  const timeoutMs = Duration.parse(entry.timeout)!.milliseconds;
  const options = { timeoutMs, env, ...(entry.cwd !== undefined && { cwd: entry.cwd }), ...(context.signal !== undefined && { signal: context.signal }) };
  const started = Date.now();
  const program = startProgram(entry.command[0]!, entry.command.slice(1), options);
  const verifier = entry.verify === undefined ? undefined : startProgram(entry.verify[0]!, entry.verify.slice(1), { ...options, stdin: 'pipe' });
  // A verify command may stop reading early (it has seen enough, or failed): its exit says which.
  const verifyInput = verifier === undefined ? undefined : new ProgramInput(verifier.child.stdin!);
  const stderr = keepTail(program.child.stderr!);
  verifier?.child.stderr!.resume();
  const stream = new StreamWriter(context.repository, context.writer);
  let startError: Error | undefined;
  const exited = program.exited.catch((error: Error) => {
    startError = error;
    return { code: null, signal: null };
  });
  try {
    for await (const chunk of program.child.stdout!) {
      const bytes = chunk as Buffer;
      await stream.push(bytes);
      await verifyInput?.write(bytes);
    }
  } finally {
    verifyInput?.end();
  }
  const exit = await exited;
  const stored = await stream.finish();
  const verifyExit = verifier === undefined ? undefined : await verifier.exited.catch((error: Error) => ({ code: null, signal: null, stoppedBecause: `could not start: ${error.message}` }));
  const exitText = startError !== undefined ? `could not start: ${startError.message}` : describeExit(exit);
  const failed = startError !== undefined || exit.code !== 0 || exit.signal !== null || exit.stoppedBecause !== undefined
    ? withLastLine(exitText, stderr())
    : stored.size === 0
      ? 'printed nothing (an empty item is taken as a failed backup)'
      : verifyExit !== undefined && (verifyExit.code !== 0 || verifyExit.stoppedBecause !== undefined)
        ? `verify (${entry.verify!.join(' ')}): ${describeExit(verifyExit)}`
        : undefined;
  const record: CommandItemRecord = {
    name: entry.name,
    command: entry.command,
    exit: exitText,
    durationMs: Date.now() - started,
    bytes: stored.size,
    stderrTail: stderr(),
    ...(verifyExit !== undefined && { verify: { command: entry.verify!, exit: describeExit(verifyExit), ok: verifyExit.code === 0 && verifyExit.stoppedBecause === undefined } }),
    ...(failed !== undefined && { failed }),
    ...(entry.restore !== undefined && {
      restore: {
        command: entry.restore, timeout: entry.timeout,
        ...(entry.cwd !== undefined && { cwd: entry.cwd }), ...(entry.env !== undefined && { env: entry.env }),
        ...(entry.envFiles !== undefined && { envFiles: entry.envFiles }), ...(entry.envFromFiles !== undefined && { envFromFiles: entry.envFromFiles }),
      },
    }),
  };
  if (failed !== undefined) return { record };
  return { record, node: itemNode(entry.name, started, stored) };
}
