/**
 * The one top-level handler: every error ends here and leaves as one message and a
 * documented exit code. Stack traces are for --log-level debug only.
 */
import { CommanderError } from 'commander';
import { ExitCode, Interrupted, StrataError } from '../core/errors.ts';
import { exitHolds, holdsReleased, interrupt, interruption } from '../programs/interruption.ts';
import { printError } from './output.ts';
import { buildProgram } from './program.ts';

// Deprecation notices from libraries (grpc-js sets an IP address as TLS server name, which
// Node calls deprecated) are nothing an operator can act on, and they break one-message errors.
process.noDeprecation = true;

// A reader that stops early (`strata diff … | head`) closes the pipe: that ends the output,
// it is not an error to report with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv);
  const debug = argv.includes('--log-level=debug') || argv.some((a, i) => a === '--log-level' && argv[i + 1] === 'debug');
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal while cleaning up means: stop now.
    if (interruption.aborted) process.exit(ExitCode.interrupted);
    interrupt(new Interrupted(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const interrupted = new Promise<never>((_, reject) => {
    interruption.addEventListener('abort', () => reject(interruption.reason as Error), { once: true });
  });
  try {
    await Promise.race([program.parseAsync([...argv], { from: 'user' }), interrupted]);
    return ExitCode.ok;
  } catch (error) {
    const code = report(error, debug);
    if (error instanceof Interrupted) await finishInterrupted();
    return code;
  }
}

/** How long an interrupted Strata waits for what it must put back (workloads it scaled down). */
const CLEANUP_MS = 120_000;

/**
 * The interruption stopped the external programs running then, so the interrupted work
 * unwinds; this waits (bounded) for the steps that hold the exit to undo what they changed.
 */
async function finishInterrupted(): Promise<void> {
  const holds = exitHolds();
  if (holds.length === 0) return;
  printError(`strata: finishing before exit (a second signal stops at once): ${holds.map((h) => h.what).join('; ')}`);
  for (const hold of await holdsReleased(CLEANUP_MS)) {
    printError(`strata: not finished: ${hold.what}; do it by hand:`);
    for (const command of hold.byHand) printError(`  ${command}`);
  }
}

function report(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof StrataError) {
    // Every line of a message that lists several problems carries the prefix.
    for (const line of error.message.split('\n')) printError(`strata: ${line}`);
    if (error.hint) printError(`hint: ${error.hint}`);
    if (debug && error.cause !== undefined) printError(String((error.cause as Error).stack ?? error.cause));
    return error.exitCode;
  }
  printError(`strata: internal error: ${error instanceof Error ? error.message : String(error)}`);
  printError(debug && error instanceof Error ? String(error.stack) : 'hint: run again with --log-level debug for details, and report it');
  return ExitCode.failed;
}

process.exitCode = await main(process.argv.slice(2));
// gRPC and HTTP keep-alive sockets must not hold a finished command open, but output to a
// pipe is written asynchronously: exit only once stdout and stderr have been flushed.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit();
