/**
 * What a snapshot records of the command source (docs/repository-format.md, "Commands"):
 * per item, the command as run, how it ended, how long it took, how many bytes it wrote,
 * the tail of its standard error, its verify outcome, and how to restore it. The item's
 * bytes are the file command/NAME. No environment value is recorded, only where the
 * secrets came from.
 */

export interface CommandItemRecord {
  readonly name: string;
  readonly command: readonly string[];
  /** "exit 0", "exit 3", "timed out after 30m", "killed by SIGKILL". */
  readonly exit: string;
  readonly durationMs: number;
  readonly bytes: number;
  /** The last lines of standard error (at most 2 KiB). */
  readonly stderrTail: string;
  readonly verify?: { readonly command: readonly string[]; readonly exit: string; readonly ok: boolean };
  /** Why the item is not in the snapshot, when it is not. */
  readonly failed?: string;
  /** How `strata restore --command NAME` feeds it back, when the entry said. */
  readonly restore?: {
    readonly command: readonly string[];
    readonly cwd?: string;
    readonly env?: Readonly<Record<string, string>>;
    readonly envFiles?: readonly string[];
    readonly envFromFiles?: Readonly<Record<string, string>>;
    readonly timeout: string;
  };
}

export interface CommandRecord {
  readonly items: readonly CommandItemRecord[];
}
