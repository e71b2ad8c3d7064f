/**
 * What `strata config check` looks at beyond the schema: every file a run will open —
 * password files, S3 credentials, SSH identity and known hosts, kubeconfigs, etcd TLS
 * material, ceph.conf and keyrings, the paths a files source backs up — exists, can be
 * read, is a secret only its owner can read, and parses as what it should be.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import type { Config } from '../../core/config/schema.ts';
import { knownSource } from '../../sources/registry.ts';
import type { NamedFileKind } from '../../sources/source.ts';
import { parseKnownHosts } from '../../storage/known-hosts.ts';
import { parseS3Credentials } from '../../storage/s3-credentials.ts';

export interface FileProblem {
  /** The configuration path that names the file: "repositories.main.passwordFile". */
  readonly field: string;
  readonly file: string;
  readonly problem: string;
}

type Kind = NamedFileKind | 's3-credentials' | 'ssh-identity' | 'known-hosts' | 'kubeconfig';

/** One file, checked as `kind`; the problem, or undefined when it is fine. */
function problemOf(file: string, kind: Kind): string | undefined {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  }
  try {
    accessSync(file, constants.R_OK);
  } catch {
    return 'cannot be read by this user';
  }
  if (kind === 'backed-up path') return undefined;
  if (!stats.isFile()) return 'not a file';
  const secret = kind === 'secret' || kind === 's3-credentials' || kind === 'ssh-identity' || kind === 'private-key';
  if (secret && (stats.mode & 0o077) !== 0) return `readable by ${stats.mode & 0o004 ? 'everyone' : 'its group'} (mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${file}`;
  const text = readFileSync(file, 'utf8');
  try {
    switch (kind) {
      case 'secret':
        return text.replace(/\r?\n$/, '') === '' ? 'empty' : undefined;
      case 's3-credentials': {
        const parsed = parseS3Credentials(text);
        return typeof parsed === 'string' ? parsed : undefined;
      }
      case 'ssh-identity':
        return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) ? undefined : 'not an SSH private key (expected -----BEGIN … PRIVATE KEY-----)';
      case 'known-hosts':
        return parseKnownHosts(text).length > 0 ? undefined : 'no host key in it (a known_hosts line, or one "ssh-ed25519 AAAA…" line)';
      case 'kubeconfig': {
        const doc = parse(text) as { clusters?: unknown[] } | null;
        return Array.isArray(doc?.clusters) && doc.clusters.length > 0 ? undefined : 'not a kubeconfig (no clusters:)';
      }
      case 'certificate':
        new X509Certificate(text);
        return undefined;
      case 'private-key':
        createPrivateKey(text);
        return undefined;
      default:
        return undefined;
    }
  } catch (error) {
    return `does not parse as ${kind === 'certificate' ? 'a PEM certificate' : kind === 'private-key' ? 'a PEM private key' : kind}: ${(error as Error).message}`;
  }
}

/** Every file the configuration names, checked. */
export function checkConfigFiles(config: Config): FileProblem[] {
  const named: [string, string | undefined, Kind][] = [];
  for (const [name, repository] of Object.entries(config.repositories)) {
    const at = `repositories.${name}`;
    named.push([`${at}.passwordFile`, repository.passwordFile, 'secret']);
    named.push([`${at}.s3.credentialsFile`, repository.s3?.credentialsFile, 's3-credentials']);
    named.push([`${at}.sftp.identityFile`, repository.sftp?.identityFile, 'ssh-identity']);
    named.push([`${at}.sftp.knownHostsFile`, repository.sftp?.knownHostsFile, 'known-hosts']);
  }
  for (const [name, cluster] of Object.entries(config.clusters)) {
    const at = `clusters.${name}`;
    named.push([`${at}.kubeconfig`, cluster.kubeconfig, 'kubeconfig']);
    named.push([`${at}.etcd.tls.caFile`, cluster.etcd?.tls?.caFile, 'certificate']);
    named.push([`${at}.etcd.tls.certFile`, cluster.etcd?.tls?.certFile, 'certificate']);
    named.push([`${at}.etcd.tls.keyFile`, cluster.etcd?.tls?.keyFile, 'private-key']);
    named.push([`${at}.etcd.auth.passwordFile`, cluster.etcd?.auth?.passwordFile, 'secret']);
  }
  for (const [name, plan] of Object.entries(config.plans)) {
    plan.sources.forEach((entry, index) => {
      for (const [field, file, kind] of knownSource(entry.type)?.namedFiles?.(entry, `plans.${name}.sources[${index}]`) ?? []) named.push([field, file, kind]);
    });
    const remote = plan.history?.remote;
    const at = `plans.${name}.history.remote`;
    named.push([`${at}.identityFile`, remote?.identityFile, 'ssh-identity']);
    named.push([`${at}.knownHostsFile`, remote?.knownHostsFile, 'known-hosts']);
    named.push([`${at}.tokenFile`, remote?.tokenFile, 'secret']);
    named.push([`${at}.caFile`, remote?.caFile, 'certificate']);
  }
  return named.flatMap(([field, file, kind]) => {
    if (file === undefined) return [];
    const problem = problemOf(file, kind);
    return problem === undefined ? [] : [{ field, file, problem }];
  });
}
