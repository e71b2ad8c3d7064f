/**
 * `npm run bench`: Strata against restic (Debian's package) on the same generated data, in
 * one run: initial backup, no-change re-backup, re-backup after ~5% changed, repository
 * size, peak RSS, restore. Prints each measurement and the Strata/restic ratio.
 * BENCH_SCALE=0.1 runs a tenth of the data set (for a quick look); the default is ~2 GiB.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, modify, type DataSetSize } from './data.ts';

const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const size: DataSetSize = { smallFiles: Math.round(100_000 * scale), largeFiles: 4, largeBytes: Math.round(400 * 1024 * 1024 * scale) };
const strataMain = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

function ensure(program: string, pkg: string): void {
  if (existsSync(program)) return;
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

interface Measurement {
  readonly seconds: number;
  readonly peakRssMb: number;
}

/** Runs a command under GNU time: wall seconds and peak resident set size. */
function measure(command: string[], env: NodeJS.ProcessEnv): Measurement {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', ...command], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}):\n${result.stderr.slice(-2000)}`);
  const kb = Number(result.stderr.trim().split('\n').at(-1));
  return { seconds, peakRssMb: kb / 1024 };
}

function du(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

interface Tool {
  readonly name: string;
  init(repo: string): void;
  backup(repo: string, path: string): Measurement;
  restore(repo: string, target: string): Measurement;
}

function tools(passwordFile: string): Tool[] {
  const strataEnv = { STRATA_PASSWORD_FILE: passwordFile };
  const resticEnv = { RESTIC_PASSWORD_FILE: passwordFile };
  const strata = (args: string[]) => [process.execPath, strataMain, ...args, '--no-progress'];
  return [
    {
      name: 'strata',
      init: (repo) => void measure(strata(['init', '--repo', repo]), strataEnv),
      backup: (repo, path) => measure(strata(['backup', '--repo', repo, '--files', path]), strataEnv),
      restore: (repo, target) => measure(strata(['restore', 'latest', '--repo', repo, '--target', target]), strataEnv),
    },
    {
      name: 'restic',
      init: (repo) => void measure(['restic', 'init', '--repo', repo], resticEnv),
      backup: (repo, path) => measure(['restic', 'backup', '--quiet', '--repo', repo, path], resticEnv),
      restore: (repo, target) => measure(['restic', 'restore', 'latest', '--quiet', '--repo', repo, '--target', target], resticEnv),
    },
  ];
}

function main(): void {
  ensure('/usr/bin/restic', 'restic');
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
      const target = join(dir, `restore-${tool.name}`);
      const restore = tool.restore(repo, target);
      record(tool.name, 'restore (s)', restore.seconds);
      record(tool.name, 'restore peak RSS (MB)', restore.peakRssMb);
      rmSync(target, { recursive: true, force: true });
      console.log(`${tool.name}: 5% changed ${changed.seconds.toFixed(1)}s, restore ${restore.seconds.toFixed(1)}s`);
    }
    console.log(`\n${'measurement'.padEnd(32)} ${'strata'.padStart(10)} ${'restic'.padStart(10)} ${'strata/restic'.padStart(14)}`);
    for (const [metric, values] of rows) {
      const s = values.get('strata')!;
      const r = values.get('restic')!;
      console.log(`${metric.padEnd(32)} ${s.toFixed(1).padStart(10)} ${r.toFixed(1).padStart(10)} ${(s / r).toFixed(2).padStart(14)}`);
    }
  } finally {
    if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }
}

main();
