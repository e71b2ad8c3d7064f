/** Stopping and starting a manager's Docker Engine through the commands an operator gives (systemctl on a real host). */
import { Duration } from '../../core/duration.ts';
import { OperationError } from '../../core/errors.ts';
import { describeExit, runProgram } from '../../programs/program.ts';

/** A duration field that the entry's schema has already checked. */
export const ms = (text: string): number => Duration.parse(text)!.milliseconds;

export async function runEngineCommand(argv: readonly string[], what: 'stop' | 'start', timeoutMs: number, hint = `check the swarm entry's ${what}Command`): Promise<void> {
  const done = await runProgram(argv[0]!, argv.slice(1), { timeoutMs });
  if (done.code !== 0) throw new OperationError(`the ${what} command (${argv.join(' ')}) failed: ${describeExit(done)}${done.stderr.trim() ? `: ${done.stderr.trim().split('\n').at(-1)}` : ''}`, { hint });
}
