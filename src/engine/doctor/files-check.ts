/**
 * Every file the configuration names — secrets above all (repository passwords, MKE and MSR
 * passwords and passphrases, command environment files, keys) — is there, readable, only its
 * owner's (0600), and parses as what it should be: what `strata config check` checks, so that
 * a preflight on a node catches a secret a deployment forgot or left readable to all.
 */
import type { Config } from '../../core/config/schema.ts';
import { checkConfigFiles } from '../config/files.ts';
import { fail, pass, type CheckResult } from './check.ts';

export function checkFiles(config: Config): CheckResult {
  const problems = checkConfigFiles(config);
  const title = 'secrets and files the plans name';
  if (problems.length === 0) return pass('files', title, 'every named file is there, readable, 0600 where secret, and parses');
  return fail('files', title, problems.map((p) => `${p.field}: ${p.file}: ${p.problem}`).join('; '), { problems });
}
