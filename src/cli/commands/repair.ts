/** `strata repair config`: give a repository whose config is lost or damaged a new one, safely. */
import { Command } from 'commander';
import { repairRepositoryConfig } from '../../engine/repository/open.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { chooseRepository } from '../repository-options.ts';

export function repairCommand(): Command {
  const repair = new Command('repair').description('repair a damaged repository');
  repair.addCommand(
    new Command('config')
      .description('write a new config for a repository whose config object is missing or damaged')
      .addHelpText('after', `
The config holds the format version, the repository ID and the chunker's parameters, sealed
with the master key. When it is lost, data and snapshots are still whole: this command opens
a key file with your password, proves that the key opens the repository's snapshots or
index, and only then writes a new config. It refuses when the config is intact, or when the
key opens none of the data (a key from another repository).

What cannot be recovered is new: the repository ID (a replica made earlier by \`strata copy\`
will be copied to again in full), and the chunker's seed (the next backup of each changed
file stores its chunks once more; unchanged files are not read again). Prefer restoring the
file \`config\` from a copy of the storage when you have one.

Examples:
  strata repair config --repo /var/backups/strata --password-file /etc/strata/repo.pass
  strata check --repo /var/backups/strata
${EXIT_STATUS_HELP}`)
      .action(async (_options: unknown, command: Command) => {
        const global = command.optsWithGlobals<GlobalOptions>();
        const choice = chooseRepository(global);
        const result = await repairRepositoryConfig(choice.address, choice.credentials);
        await result.repository.backend.close?.();
        if (global.json) printJson({ id: result.repository.config.id, replaced: result.replaced, proof: result.proof });
        else {
          printLine(`${result.replaced ? 'replaced the damaged' : 'wrote a new'} config of ${result.repository.backend.location} (${result.proof})`);
          printLine('next: `strata check` to confirm every snapshot is whole');
        }
      }),
  );
  return repair;
}
