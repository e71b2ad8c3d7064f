/** `strata config check` and `strata config schema`. */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { configJsonSchema } from '../../core/config/schema.ts';
import { configSchema } from '../../sources/registry.ts';
import { ConfigError } from '../../core/errors.ts';
import { checkConfigFiles } from '../../engine/config/files.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';

export function configCommand(): Command {
  const config = new Command('config').description('validate strata.yaml or print its schema');

  config
    .command('check')
    .description('validate the configuration and every file it names, and print it normalised (defaults filled in)')
    .option('--offline', 'check the configuration only, not the files it names (on another machine than the one that runs it)')
    .addHelpText(
      'after',
      `
Every problem is reported with its file, line and path, e.g.
  strata.yaml:14 plans.nightly.retention.daily: expected a whole number, got "seven"
Then every file a run will open is checked: password files, S3 credentials, SSH identity
and known hosts, kubeconfigs, etcd TLS certificates and keys, ceph.conf and keyrings, the
paths files sources back up: it exists, can be read, secrets are mode 0600, and it parses
(credentials formats: docs/configuration.md, "Credentials files"). Exit 2 on any problem.

Examples:
  strata config check
  strata config check --config /etc/strata/strata.yaml --json
${EXIT_STATUS_HELP}`,
    )
    .action((options: { offline?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { config: loaded, file } = loadConfig(global);
      const problems = options.offline === true ? [] : checkConfigFiles(loaded);
      if (problems.length > 0) {
        throw new ConfigError(problems.map((p) => `${file ?? 'configuration'}: ${p.field}: ${p.file}: ${p.problem}`).join('\n'), {
          hint: 'fix the files, or check the configuration alone with --offline where it does not run',
        });
      }
      if (global.json) {
        printJson({ file: file ?? null, filesChecked: options.offline !== true, config: loaded });
        return;
      }
      printLine(file === undefined ? 'no configuration file found; defaults:' : `${file}: valid${options.offline === true ? ' (files not checked: --offline)' : ', and every file it names'}`);
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
      printJson(configJsonSchema(configSchema));
    });

  return config;
}
