/**
 * `restore --mke` (MKE's restore fed the decrypted archive) or `--mke-output FILE`, and
 * `restore --msr-output FILE`: the Mirantis sources' restores. Their backups come from a
 * plan's `mke` and `msr` entries (docs/configuration.md).
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import type { RestoreSelection } from '../engine/restore.ts';
import type { MkeRestoreOptions } from '../sources/mke/restore.ts';
import type { MsrRestoreOptions } from '../sources/msr/restore.ts';

export interface MirantisRestoreFlags {
  readonly mke: boolean;
  readonly mkeOutput?: string;
  readonly mkeImage?: string;
  readonly mkePassphraseFile?: string;
  readonly mkeArg: readonly string[];
  readonly mkeTimeout: string;
  readonly msrOutput?: string;
  readonly dockerHost: string;
}

const repeated = (value: string, previous: string[]) => [...previous, value];

export function addMirantisRestoreOptions(command: Command): Command {
  return command
    .option('--mke', 'restore MKE: its archive, decrypted by strata, fed to mirantis/ucp restore on the --docker-host manager', false)
    .option('--mke-output <file>', 'write the MKE archive (under its passphrase) to this new file (mode 0600) instead')
    .option('--mke-image <image>', 'with --mke: the mirantis/ucp image to restore with (default: the backed-up version\'s)')
    .option('--mke-passphrase-file <file>', 'with --mke: the file holding the archive\'s passphrase')
    .option('--mke-arg <arg>', 'with --mke: one more argument for mirantis/ucp restore, e.g. --host-address=10.0.0.5 (repeatable)', repeated, [])
    .option('--mke-timeout <duration>', 'with --mke: how long MKE\'s restore may run', '30m')
    .option('--msr-output <file>', 'write the MSR metadata archive to this new file (mode 0600), for mirantis/dtr restore');
}

export function wantsMirantis(flags: MirantisRestoreFlags): boolean {
  return flags.mke || flags.mkeOutput !== undefined || flags.msrOutput !== undefined;
}

export function mirantisSelections(flags: MirantisRestoreFlags): RestoreSelection[] {
  if (flags.mke && flags.mkeOutput !== undefined) throw new UsageError('--mke runs MKE\'s restore, --mke-output writes the archive to a file: give one of them');
  const selections: RestoreSelection[] = [];
  if (flags.mke || flags.mkeOutput !== undefined) {
    const options: MkeRestoreOptions = {
      dockerHost: flags.dockerHost, args: flags.mkeArg, timeout: flags.mkeTimeout,
      ...(flags.mkeOutput !== undefined && { output: flags.mkeOutput }), ...(flags.mkeImage !== undefined && { image: flags.mkeImage }),
      ...(flags.mkePassphraseFile !== undefined && { passphraseFile: flags.mkePassphraseFile }),
    };
    selections.push({ type: 'mke', options });
  }
  if (flags.msrOutput !== undefined) selections.push({ type: 'msr', options: { output: flags.msrOutput } satisfies MsrRestoreOptions });
  return selections;
}
