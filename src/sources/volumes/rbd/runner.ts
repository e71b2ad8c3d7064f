/**
 * Runs the `rbd` command: always an argument array, never a shell string. Locally it is
 * started with the plan's ceph.conf and keyring; output that is data (export-diff, export)
 * is streamed, input that is data (import) is fed from a stream, and failures carry rbd's
 * own message.
 */
import type { Readable } from 'node:stream';
import { OperationError } from '../../../core/errors.ts';
import { describeExit, startProgram } from '../../../programs/program.ts';

export interface RbdConnection {
  /** ceph.conf (monitor addresses); rbd's default search path when absent. */
  readonly confFile?: string;
  readonly keyringFile?: string;
  /** The Ceph client id (client.ID); rbd's default (admin) when absent. */
  readonly id?: string;
  /** The rbd program (default: rbd on PATH). */
  readonly program?: string;
  /**
   * How long one rbd command may take (default 10 minutes); for commands that stream an
   * image, how long it may go without moving a byte. Ceph's client waits for an unreachable
   * monitor or OSD indefinitely by default: this is what stops a backup hanging with it.
   */
  readonly timeoutMs?: number;
}

export const RBD_TIMEOUT_MS = 10 * 60_000;

export interface RbdRunner {
  /** Runs a command and returns its standard output. */
  run(args: readonly string[]): Promise<string>;
  /** A command whose standard output is data; `done` settles when it exited (rejects on failure). */
  read(args: readonly string[]): { readonly output: Readable; readonly done: Promise<void> };
  /** A command whose standard input is data. */
  write(args: readonly string[], input: AsyncIterable<Uint8Array>): Promise<void>;
}

const KEEP_STDERR = 4096;

export class LocalRbd implements RbdRunner {
  private readonly connection: RbdConnection;

  constructor(connection: RbdConnection = {}) {
    this.connection = connection;
  }

  private argv(args: readonly string[]): string[] {
    return [...connectionArgs(this.connection), ...args];
  }

  private start(args: readonly string[], stdin: 'ignore' | 'pipe', streaming: boolean) {
    const program = this.connection.program ?? 'rbd';
    const running = startProgram(program, this.argv(args), { stdin, timeoutMs: this.connection.timeoutMs ?? RBD_TIMEOUT_MS, idle: streaming });
    const child = running.child;
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-KEEP_STDERR)));
    const done = running.exited.then(
      (exit) => {
        if (exit.code === 0 && exit.stoppedBecause === undefined) return;
        throw exit.stoppedBecause === undefined ? rbdFailure(args, stderr, describeExit(exit)) : new OperationError(`rbd ${args.join(' ')}: ${exit.stoppedBecause}`, {
          hint: 'check that the Ceph monitors and OSDs answer (ceph -s); --ceph-timeout / ceph.timeout sets the limit',
        });
      },
      (error: Error) => {
        throw new OperationError(`rbd ${args[0] ?? ''}: cannot run ${program}: ${error.message}`, { hint: 'install ceph-common, or run rbd through the Rook toolbox (ceph.toolbox in the plan)' });
      },
    );
    return { child, done, stop: running.stop };
  }

  async run(args: readonly string[]): Promise<string> {
    const { child, done } = this.start(args, 'ignore', false);
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    await done;
    return stdout;
  }

  read(args: readonly string[]): { output: Readable; done: Promise<void> } {
    const { child, done } = this.start(args, 'ignore', true);
    return { output: child.stdout!, done };
  }

  async write(args: readonly string[], input: AsyncIterable<Uint8Array>): Promise<void> {
    const { child, done, stop } = this.start(args, 'pipe', true);
    const stdin = child.stdin!;
    const failed = done.then(() => undefined, (error: unknown) => error);
    try {
      for await (const chunk of input) {
        if (!stdin.write(chunk)) await new Promise<void>((resolve) => stdin.once('drain', resolve));
      }
      stdin.end();
    } catch (error) {
      stop('its input failed');
      throw error;
    }
    const error = await failed;
    if (error !== undefined) throw error;
  }
}

/** The error for a failed rbd command: its last line of standard error that is not progress. */
export function rbdFailure(args: readonly string[], stderr: string, otherwise: string, where = ''): OperationError {
  return new OperationError(`rbd ${args.join(' ')}${where}: ${stderr.trim().split('\n').filter((l) => l !== '' && !/% complete/.test(l)).at(-1) ?? otherwise}`);
}

/** The connection arguments rbd takes before the command. */
export function connectionArgs(c: RbdConnection): string[] {
  return [
    ...(c.confFile !== undefined ? ['--conf', c.confFile] : []),
    ...(c.keyringFile !== undefined ? ['--keyring', c.keyringFile] : []),
    ...(c.id !== undefined ? ['--id', c.id] : []),
  ];
}

/** pool[/namespace]/image[@snapshot], as rbd spells an image spec. */
export function imageSpec(image: { readonly pool: string; readonly radosNamespace?: string; readonly image: string }, snapshot?: string): string {
  return `${image.pool}/${image.radosNamespace === undefined ? '' : `${image.radosNamespace}/`}${image.image}${snapshot === undefined ? '' : `@${snapshot}`}`;
}
