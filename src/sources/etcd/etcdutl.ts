/** Upstream `etcdutl`, which builds a member's data directory from a snapshot file. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { describeExit, runProgram } from '../../programs/program.ts';

/** The etcdutl to run: the one given, $STRATA_ETCDUTL, or the first on $PATH. */
export function findEtcdutl(given: string | undefined): string {
  return findEtcdBinary('etcdutl', given, 'STRATA_ETCDUTL', '--etcdutl');
}

/** An etcd release binary: the one given, else the one the variable names, else the first on $PATH. */
export function findEtcdBinary(name: 'etcd' | 'etcdutl', given: string | undefined, variable: string, field: string): string {
  const explicit = given ?? process.env[variable];
  const candidates = explicit !== undefined && explicit !== '' ? [explicit] : (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new UsageError(explicit !== undefined && explicit !== '' ? `${given !== undefined ? field : `$${variable}`} ${explicit}: not an executable file` : `${name} is not on $PATH`, {
    hint: `install ${name} of the same minor version as the cluster (it ships in the etcd release tarball) and give ${field} PATH`,
  });
}

export interface EtcdutlRestore {
  readonly snapshotFile: string;
  readonly name: string;
  readonly initialCluster: string;
  readonly initialClusterToken: string;
  readonly initialAdvertisePeerUrls: string;
  readonly dataDir: string;
  readonly walDir?: string;
  readonly bumpRevision: number;
}

export function etcdutlRestoreArgs(r: EtcdutlRestore): string[] {
  return [
    'snapshot', 'restore', r.snapshotFile,
    `--name=${r.name}`,
    `--initial-cluster=${r.initialCluster}`,
    `--initial-cluster-token=${r.initialClusterToken}`,
    `--initial-advertise-peer-urls=${r.initialAdvertisePeerUrls}`,
    `--data-dir=${r.dataDir}`,
    ...(r.walDir !== undefined ? [`--wal-dir=${r.walDir}`] : []),
    // etcdutl refuses --mark-compacted without a bump; a drill's copy keeps the revisions as they were.
    ...(r.bumpRevision > 0 ? [`--bump-revision=${r.bumpRevision}`, '--mark-compacted'] : []),
  ];
}

/** Runs etcdutl; resolves with its output, rejects with its stderr when it fails. */
export async function runEtcdutl(etcdutl: string, args: readonly string[], timeoutMs = 30 * 60_000): Promise<string> {
  const finished = await runProgram(etcdutl, args, { timeoutMs, keep: 64 * 1024 });
  const output = finished.stdout + finished.stderr;
  if (finished.code !== 0) throw new Error(`etcdutl ${args.slice(0, 2).join(' ')} ${describeExit(finished)}: ${lastLines(output)}`);
  return output;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n');
}
