/**
 * The few error classes a user can meet. Each carries the exit code the CLI's one top-level
 * handler maps it to; anything else that escapes is an internal error (exit 1, with a trace
 * only at debug level).
 */

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  partiallyFailed: 3,
  refused: 4,
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface StrataErrorOptions {
  /** What the user can do about it, printed after the message. */
  readonly hint?: string;
  readonly cause?: unknown;
}

export abstract class StrataError extends Error {
  abstract readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Flags, arguments or configuration that are wrong: nothing was attempted. */
export class UsageError extends StrataError {
  readonly exitCode = ExitCode.usage;
}

/** The configuration file is unreadable or invalid; the message names file, line and path. */
export class ConfigError extends UsageError {}

/** The operation was attempted and failed (unreachable cluster, failed check, bad repository). */
export class OperationError extends StrataError {
  readonly exitCode = ExitCode.failed;
}

/** The operation finished but some parts of it failed; the result says which. */
export class PartialFailure extends StrataError {
  readonly exitCode = ExitCode.partiallyFailed;
}

/** The cluster is not in a state to act on safely (lost quorum, an alarm, members that disagree); nothing was done. */
export class Refused extends StrataError {
  readonly exitCode = ExitCode.refused;
}

/** The user interrupted the operation (SIGINT / SIGTERM); what was done before is intact. */
export class Interrupted extends StrataError {
  readonly exitCode = ExitCode.interrupted;
}
