/** `strata key list|add|remove|passwd`. */
import { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { addKey, changePassword, listKeys, removeKey } from '../../engine/keys.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { readSecretFile } from '../repository-options.ts';
import { shortTime, withRepository } from '../with-repository.ts';

export function keyCommand(): Command {
  const key = new Command('key').description('manage the passwords and age recipients that open the repository');

  key.command('list')
    .description('list keys; * marks the one used now')
    .addHelpText('after', `\nExamples:\n  strata key list --repo /var/backups/strata --json\n${EXIT_STATUS_HELP}`)
    .action(async (_options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const keys = await listKeys(repository);
        if (global.json) return printJson(keys);
        for (const k of keys) {
          if (k.damaged !== undefined) printLine(`  ${k.id.slice(0, 8)}  damaged   ${k.damaged} (remove it with \`strata key remove ${k.id.slice(0, 8)}\`)`);
          else printLine(`${k.current ? '*' : ' '} ${k.id.slice(0, 8)}  ${k.kind.padEnd(8)}  ${shortTime(k.created)}  ${k.username}@${k.host}${k.recipient === undefined ? '' : `  ${k.recipient}`}`);
        }
      });
    });

  key.command('add')
    .description('add a password or an age recipient')
    .option('--new-password-file <path>', 'file holding the new password')
    .option('--age-recipient <age1…>', 'age X25519 recipient to add')
    .addHelpText('after', `\nExamples:\n  strata key add --repo /var/backups/strata --new-password-file /root/second.pass\n  strata key add --repo /var/backups/strata --age-recipient age1…\n${EXIT_STATUS_HELP}`)
    .action(async (options: { newPasswordFile?: string; ageRecipient?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      if ((options.newPasswordFile === undefined) === (options.ageRecipient === undefined)) {
        throw new UsageError('key add needs exactly one of --new-password-file or --age-recipient');
      }
      if (options.ageRecipient !== undefined && !options.ageRecipient.startsWith('age1')) throw new UsageError(`--age-recipient ${options.ageRecipient}: expected an age X25519 recipient (age1…)`);
      const credential = options.newPasswordFile !== undefined ? { password: readSecretFile(options.newPasswordFile, '--new-password-file') } : { recipient: options.ageRecipient! };
      await withRepository(global, async (repository) => {
        const id = await addKey(repository, credential);
        if (global.json) printJson({ added: id });
        else printLine(`added key ${id.slice(0, 8)}`);
      });
    });

  key.command('remove')
    .description('remove a key (not the one in use)')
    .argument('<id>', 'key ID or a unique prefix of one')
    .addHelpText('after', `\nExamples:\n  strata key remove 9c1e4f2a --repo /var/backups/strata\n${EXIT_STATUS_HELP}`)
    .action(async (ref: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const id = await removeKey(repository, ref);
        if (global.json) printJson({ removed: id });
        else printLine(`removed key ${id.slice(0, 8)}`);
      });
    });

  key.command('passwd')
    .description('change the password: add a key with the new one, remove the one in use')
    .requiredOption('--new-password-file <path>', 'file holding the new password')
    .addHelpText('after', `\nExamples:\n  strata key passwd --repo /var/backups/strata --password-file old.pass --new-password-file new.pass\n${EXIT_STATUS_HELP}`)
    .action(async (options: { newPasswordFile: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const password = readSecretFile(options.newPasswordFile, '--new-password-file');
      await withRepository(global, async (repository) => {
        const result = await changePassword(repository, password);
        if (global.json) printJson(result);
        else printLine(`password changed: key ${result.removed.slice(0, 8)} replaced by ${result.added.slice(0, 8)}`);
      });
    });

  return key;
}
