/** `strata config check` and `strata config schema`. */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { configJsonSchema } from '../../core/config/schema.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';

export function configCommand(): Command {
  const config = new Command('config').description('validate strata.yaml or print its schema');

  config
    .command('check')
    .description('validate the configuration and print it normalised (defaults filled in)')
    .addHelpText(
      'after',
      `
Every problem is reported with its file, line and path, e.g.
  strata.yaml:14 plans.nightly.retention.daily: expected a whole number, got "seven"

Examples:
  strata config check
  strata config check --config /etc/strata/strata.yaml --json
${EXIT_STATUS_HELP}`,
    )
    .action((_options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { config: loaded, file } = loadConfig(global);
      if (global.json) {
        printJson({ file: file ?? null, config: loaded });
        return;
      }
      process.stderr.write(file === undefined ? 'no configuration file found; defaults:\n' : `${file}: valid\n`);
      printLine(stringify(loaded).trimEnd());
    });

  config
    .command('schema')
    .description('print the JSON Schema of strata.yaml (for editors and CI validation)')
    .addHelpText(
      'after',
      `
Examples:
  strata config schema > strata.schema.json
  # in strata.yaml, for editors using yaml-language-server:
  # yaml-language-server: $schema=./strata.schema.json
${EXIT_STATUS_HELP}`,
    )
    .action(() => {
      printJson(configJsonSchema());
    });

  return config;
}
