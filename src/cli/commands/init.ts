/** `strata init`: create a repository with a first key. */
import { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { initRepository } from '../../engine/repository/open.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { chooseRepository } from '../repository-options.ts';

export function initCommand(): Command {
  return new Command('init')
    .description('create a new encrypted repository')
    .option('--age-recipient <age1…>', 'protect the first key with this age X25519 recipient instead of a password')
    .addHelpText(
      'after',
      `
The repository's master key is random; the password (or age recipient) only wraps it, so
more keys can be added and rotated later with \`strata key\`.

Examples:
  strata init --repo /var/backups/strata --password-file /etc/strata/repo.pass
  STRATA_PASSWORD_FILE=/etc/strata/repo.pass strata init --repo s3://backups/cluster-a
  strata init --repo sftp://backup@nas.example:22/srv/strata --age-recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
${EXIT_STATUS_HELP}`,
    )
    .action(async (options: { ageRecipient?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const choice = chooseRepository(global);
      let credential;
      if (options.ageRecipient !== undefined) {
        if (!options.ageRecipient.startsWith('age1')) throw new UsageError(`--age-recipient ${options.ageRecipient}: expected an age X25519 recipient (age1…)`);
        credential = { recipient: options.ageRecipient };
      } else if (choice.credentials.password !== undefined) credential = { password: choice.credentials.password };
      else throw new UsageError('no password for the new repository', { hint: 'pass --password-file FILE (or set STRATA_PASSWORD_FILE), or --age-recipient age1…' });
      const repository = await initRepository(choice.address, credential);
      await repository.backend.close?.();
      if (global.json) printJson({ id: repository.config.id, location: repository.backend.location, key: repository.keyId });
      else printLine(`created repository ${repository.config.id.slice(0, 8)} at ${repository.backend.location}`);
    });
}
