/**
 * The `command` entry of a plan's sources: a program whose standard output is the item to
 * keep (a vendor's backup tool, `tar` of a directory, a database dump), run without a shell,
 * its secrets handed over in its environment from files, never on its command line.
 */
import { z } from 'zod';
import { duration, filePath, nonEmptyStrings, secretFile } from '../../core/config/fields.ts';
import { placementSchema } from '../placement.ts';

const argv = (what: string) => nonEmptyStrings(`an argument of the ${what} command`).min(1, { error: `expected the ${what} command as an argument list, e.g. ["tar", "-C", "/etc", "-cf", "-", "."]` });
const variable = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name (letters, digits, _)' });

export const ITEM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const commandEntry = z.strictObject({
  type: z.literal('command'),
  /** The item's name: command/NAME in the snapshot, `restore --command NAME`. */
  name: z.string().regex(ITEM_NAME, { error: 'expected a name of letters, digits, ".", "_" and "-"' }),
  /** Writes the item to its standard output. */
  command: argv('backup'),
  /** The whole run of the command, and of verify and restore each. */
  timeout: duration().default('30m'),
  /** Settings that are not secret, put in the command's environment. */
  env: z.record(variable, z.string()).optional(),
  /** Files of KEY=VALUE lines (secrets: mode 0600), put in the environment. */
  envFiles: z.array(secretFile()).optional(),
  /** KEY: a file whose content (one trailing newline dropped) is the value (a passphrase). */
  envFromFiles: z.record(variable, secretFile()).optional(),
  /** The working directory of the commands. */
  cwd: filePath().optional(),
  /** Reads the item on its standard input as it is stored; a non-zero exit fails the item. */
  verify: argv('verify').optional(),
  /** Fed the item on its standard input by `strata restore ID --command NAME`. */
  restore: argv('restore').optional(),
  /** Runs only on these hosts, this swarm role, these labels (engine labels from the local Docker Engine). */
  where: placementSchema,
});

export type CommandEntry = z.output<typeof commandEntry>;

/** Several entries in one run: the first, with the others beside it (the registry merges them). */
export type CommandEntries = CommandEntry & { readonly more?: readonly CommandEntry[] };

export const entriesOf = (entry: CommandEntries): readonly CommandEntry[] => [entry, ...(entry.more ?? [])];
