/**
 * One item: the command's standard output streamed into the repository in content-defined
 * chunks (a mostly unchanged tar or dump costs only its changed chunks), and, when the entry
 * has one, into the verify command's standard input at the same time. A non-zero exit, a
 * time limit passed, no output at all, or a failed verify fails the item with its reason.
 */
import { once } from 'node:events';
import { Duration } from '../../core/duration.ts';
import { describeExit, startProgram, type RunningProgram } from '../../programs/program.ts';
import { StreamWriter } from '../../repository/stream-writer.ts';
import type { TreeNode } from '../../repository/tree.ts';
import type { BackupContext } from '../source.ts';
import type { CommandEntry } from './entry.ts';
import type { CommandItemRecord } from './record.ts';

const STDERR_KEPT = 2048;

export interface CommandItem {
  readonly record: CommandItemRecord;
  /** The item's file node, absent when the item failed. */
  readonly node?: TreeNode;
}

function tail(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/** Feeds bytes to a program's standard input, waiting when it is full; a program that stopped reading is left alone. */
async function feed(program: RunningProgram, bytes: Uint8Array, closed: { value: boolean }): Promise<void> {
  const stdin = program.child.stdin!;
  if (closed.value) return;
  try {
    if (!stdin.write(bytes)) await Promise.race([once(stdin, 'drain'), once(stdin, 'close')]);
  } catch {
    // EPIPE: it stopped reading; its exit status tells the rest
    closed.value = true;
  }
}

export async function runItem(entry: CommandEntry, env: NodeJS.ProcessEnv, context: BackupContext<unknown>): Promise<CommandItem> {
  const timeoutMs = Duration.parse(entry.timeout)!.milliseconds;
  const options = { timeoutMs, env, ...(entry.cwd !== undefined && { cwd: entry.cwd }), ...(context.signal !== undefined && { signal: context.signal }) };
  const started = Date.now();
  const program = startProgram(entry.command[0]!, entry.command.slice(1), options);
  const verifier = entry.verify === undefined ? undefined : startProgram(entry.verify[0]!, entry.verify.slice(1), { ...options, stdin: 'pipe' });
  const verifierClosed = { value: false };
  // A verify command may stop reading early (it has seen enough, or failed): its exit says which.
  verifier?.child.stdin!.on('error', () => (verifierClosed.value = true)).on('close', () => (verifierClosed.value = true));
  let stderr = '';
  program.child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-STDERR_KEPT)));
  verifier?.child.stderr!.setEncoding('utf8').on('data', () => undefined);
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
      if (verifier !== undefined) await feed(verifier, bytes, verifierClosed);
    }
  } finally {
    verifier?.child.stdin!.end();
  }
  const exit = await exited;
  const stored = await stream.finish();
  const verifyExit = verifier === undefined ? undefined : await verifier.exited.catch((error: Error) => ({ code: null, signal: null, stoppedBecause: `could not start: ${error.message}` }));
  const exitText = startError !== undefined ? `could not start: ${startError.message}` : describeExit(exit);
  const failed = startError !== undefined || exit.code !== 0 || exit.signal !== null || exit.stoppedBecause !== undefined
    ? `${exitText}${tail(stderr) === '' ? '' : `: ${tail(stderr)}`}`
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
    stderrTail: stderr,
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
  const node: TreeNode = { name: entry.name, type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: (BigInt(started) * 1_000_000n).toString(), size: stored.size, content: stored.content };
  return { record, node };
}
