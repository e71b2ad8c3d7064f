/**
 * The repository benchmark: Strata against restic and borg (Debian's packages) on the same
 * generated data, in one run: initial backup, no-change re-backup, re-backup after ~5%
 * changed, repository size, peak RSS, restore. Each ratio is against the better of the two
 * peers; `cp -a` of the tree is printed beside the restores as the floor this file system
 * sets for creating the files. Each restore (and the copy) goes into a new ext4 file system.
 * ~2 GiB at scale 1.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, modify, type DataSetSize } from './data.ts';
import { du, ensure, measure, printTable, type Measurement, type Row, strataCommand } from './measure.ts';


interface Tool {
  readonly name: string;
  init(repo: string): void;
  backup(repo: string, path: string): Measurement;
  restore(repo: string, target: string): Measurement;
}

function tools(passwordFile: string): Tool[] {
  const strataEnv = { STRATA_PASSWORD_FILE: passwordFile };
  const resticEnv = { RESTIC_PASSWORD_FILE: passwordFile };
  const borgEnv = { BORG_PASSCOMMAND: `cat ${passwordFile}`, BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'no', BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes' };
  return [
    {
      name: 'strata',
      init: (repo) => void measure(strataCommand(['init', '--repo', repo]), strataEnv),
      backup: (repo, path) => measure(strataCommand(['backup', '--repo', repo, '--files', path]), strataEnv),
      restore: (repo, target) => measure(strataCommand(['restore', 'latest', '--repo', repo, '--target', target]), strataEnv),
    },
    {
      name: 'restic',
      init: (repo) => void measure(['restic', 'init', '--repo', repo], resticEnv),
      backup: (repo, path) => measure(['restic', 'backup', '--quiet', '--repo', repo, path], resticEnv),
      restore: (repo, target) => measure(['restic', 'restore', 'latest', '--quiet', '--repo', repo, '--target', target], resticEnv),
    },
    {
      name: 'borg',
      init: (repo) => void measure(['borg', 'init', '--encryption', 'repokey-blake2', repo], borgEnv),
      backup: (repo, path) => measure(['borg', 'create', `${repo}::{now:%Y-%m-%dT%H:%M:%S.%f}`, path], borgEnv),
      // borg extracts into the working directory, with the archived path below it.
      restore: (repo, target) => measure(['bash', '-c', 'mkdir -p "$2" && cd "$2" && borg extract "$1::$(borg list --last 1 --short "$1")"', 'borg-restore', repo, target], borgEnv),
    },
  ];
}

/**
 * A new ext4 file system for one restore (a loop-mounted image), so that every tool writes
 * into the same empty state: on a file system where many files were just deleted, ext4
 * scans past those inodes for a while and creating files gets several times slower. Where
 * loop mounts are not allowed, a plain directory.
 */
function freshFileSystem(dir: string, name: string, bytes: number): { path: string; release: () => void } {
  const image = join(dir, `${name}.ext4`);
  const path = join(dir, name);
  mkdirSync(path);
  try {
    execFileSync('truncate', ['-s', String(Math.max(bytes, 256 * 2 ** 20)), image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image]);
    execFileSync('mount', ['-o', 'loop', image, path]);
  } catch (error) {
    console.log(`${name}: no loop mount here (${(error as Error).message.split('\n')[0]}); restoring into a directory of ${dir}`);
    rmSync(image, { force: true });
    return { path, release: () => rmSync(path, { recursive: true, force: true }) };
  }
  execFileSync('sync');
  return {
    path,
    release: () => {
      execFileSync('umount', [path]);
      rmSync(image, { force: true });
    },
  };
}

export function runRepositoryBench(scale: number): void {
  const size: DataSetSize = { smallFiles: Math.round(100_000 * scale), largeFiles: 4, largeBytes: Math.round(400 * 1024 * 1024 * scale) };
  ensure('/usr/bin/restic', 'restic');
  ensure('/usr/bin/borg', 'borgbackup');
  ensure('/usr/bin/time', 'time');
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  try {
    const data = join(dir, 'data');
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, 'benchmark-password\n', { mode: 0o600 });
    console.log(`generating ${size.smallFiles} small files and ${size.largeFiles} × ${(size.largeBytes / 2 ** 20).toFixed(0)} MiB in ${data}`);
    generate(data, size);
    console.log(`data set: ${(du(data) / 2 ** 30).toFixed(2)} GiB`);
    const rows = new Map<string, Map<string, number>>();
    const record = (tool: string, metric: string, value: number) => {
      if (!rows.has(metric)) rows.set(metric, new Map());
      rows.get(metric)!.set(tool, value);
    };
    const all = tools(passwordFile);
    for (const tool of all) {
      const repo = join(dir, `repo-${tool.name}`);
      tool.init(repo);
      const initial = tool.backup(repo, data);
      record(tool.name, 'initial backup (s)', initial.seconds);
      record(tool.name, 'initial backup peak RSS (MB)', initial.peakRssMb);
      const again = tool.backup(repo, data);
      record(tool.name, 'no-change re-backup (s)', again.seconds);
      console.log(`${tool.name}: initial ${initial.seconds.toFixed(1)}s, no change ${again.seconds.toFixed(1)}s`);
    }
    modify(data, size, 0.05);
    for (const tool of all) {
      const repo = join(dir, `repo-${tool.name}`);
      const changed = tool.backup(repo, data);
      record(tool.name, 're-backup after 5% change (s)', changed.seconds);
      record(tool.name, 'repository size (MiB)', du(repo) / 2 ** 20);
      const target = freshFileSystem(dir, `restore-${tool.name}`, du(data) * 2);
      const restore = tool.restore(repo, target.path);
      record(tool.name, 'restore (s)', restore.seconds);
      record(tool.name, 'restore peak RSS (MB)', restore.peakRssMb);
      target.release();
      console.log(`${tool.name}: 5% changed ${changed.seconds.toFixed(1)}s, restore ${restore.seconds.toFixed(1)}s`);
    }
    // The floor a restore stands on here: creating the same files from a local copy.
    const copyTarget = freshFileSystem(dir, 'copy', du(data) * 2);
    const copy = measure(['cp', '-a', data, join(copyTarget.path, 'data')]);
    copyTarget.release();
    for (const [metric, values] of rows) console.log(`${metric}: ${[...values].map(([tool, value]) => `${tool} ${value.toFixed(1)}`).join(', ')}`);
    const table: Row[] = [...rows].map(([metric, values]) => {
      const strata = values.get('strata')!;
      const other = Math.min(values.get('restic')!, values.get('borg')!);
      return { metric: `${metric}, strata/better peer`, strata, other, ratio: strata / other, target: metric.includes('RSS') ? '≤ 500 MB' : '≤ 1.0' };
    });
    const restore = rows.get('restore (s)')!.get('strata')!;
    table.push({ metric: '  restore against cp -a of the tree (s), the floor', strata: restore, other: copy.seconds, ratio: restore / copy.seconds, target: 'information' });
    printTable('repository: strata vs restic and borg (other = the better of the two; lower is better)', 'peer', table);
  } finally {
    if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }
}

