/**
 * The repository benchmark: Strata against restic (Debian's package) on the same generated
 * data, in one run: initial backup, no-change re-backup, re-backup after ~5% changed,
 * repository size, peak RSS, restore. ~2 GiB at scale 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, modify, type DataSetSize } from './data.ts';
import { du, ensure, measure, printTable, type Measurement, strataCommand } from './measure.ts';


interface Tool {
  readonly name: string;
  init(repo: string): void;
  backup(repo: string, path: string): Measurement;
  restore(repo: string, target: string): Measurement;
}

function tools(passwordFile: string): Tool[] {
  const strataEnv = { STRATA_PASSWORD_FILE: passwordFile };
  const resticEnv = { RESTIC_PASSWORD_FILE: passwordFile };
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
  ];
}

export function runRepositoryBench(scale: number): void {
  const size: DataSetSize = { smallFiles: Math.round(100_000 * scale), largeFiles: 4, largeBytes: Math.round(400 * 1024 * 1024 * scale) };
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
    printTable('repository: strata vs restic (ratio strata/restic; lower is better)', 'restic', [...rows].map(([metric, values]) => {
      const strata = values.get('strata')!;
      const other = values.get('restic')!;
      return { metric, strata, other, ratio: strata / other, target: metric.includes('RSS') ? 'strata ≤ 500 MB' : '≤ 1' };
    }));
  } finally {
    if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }
}

