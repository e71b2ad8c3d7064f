/** What every benchmark suite needs: installing the alternative, timing a command, sizes, and printing ratios. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const strataMain = join(root, 'dist/src/cli/main.js');

/** Compiles the CLI as `npm run build` does, so the suites time what ships. */
export function buildStrata(): void {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

/** The strata CLI as it ships (the build): with the settings its shebang and bin/strata give it. */
export function strataCommand(args: readonly string[]): string[] {
  return ['env', 'MALLOC_ARENA_MAX=2', process.execPath, '--max-semi-space-size=4', strataMain, ...args, '--no-progress'];
}

export function ensure(program: string, pkg: string): void {
  if (existsSync(program)) return;
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export interface Measurement {
  readonly seconds: number;
  readonly peakRssMb: number;
  /** User plus system CPU seconds of the command and its children (all threads). */
  readonly cpuSeconds: number;
  readonly stdout: string;
}

/** Runs a command under GNU time: wall seconds, CPU seconds and peak resident set size. */
export function measure(command: string[], env: NodeJS.ProcessEnv = {}): Measurement {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M %U %S', ...command], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}):\n${result.stderr.slice(-2000)}`);
  const [kb, user, system] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds, peakRssMb: kb! / 1024, cpuSeconds: user! + system!, stdout: result.stdout };
}

/** CPU seconds a running process (one the benchmark started) has used so far. */
export function processCpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/PID/stat, after the parenthesised command name: utime, stime
  // in clock ticks, which Linux always reports at 100 per second (USER_HZ).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The bytes of the files under `path` (or of the file itself): what an object store would
 * hold. Directories are left out — their size is the file system's bookkeeping, 4 KiB for a
 * new one, and would make a repository that adds one small file look 4 KiB bigger.
 */
export function du(path: string): number {
  return Number(execFileSync('bash', ['-c', 'find "$1" -type f -printf \'%s\\n\' | awk \'{ s += $1 } END { printf "%.0f", s }\'', 'du', path], { encoding: 'utf8' }));
}

export interface Row {
  readonly metric: string;
  readonly strata: number;
  readonly other: number;
  /** How the ratio reads, e.g. "strata/restic" or "etcdctl/strata (speed)". */
  readonly ratio: number;
  readonly target?: string;
}

/** Every row printed so far, by suite table: `npm run bench` ends with all of them in one table. */
const printed: { readonly title: string; readonly row: Row }[] = [];

/**
 * Whether a row meets its target: "≤ 1.3" and "≥ 0.9" are read against the ratio, "≤ 500 MB"
 * and "≥ 1000/s" against Strata's own figure; anything else is information.
 */
export function verdict(row: Row): 'met' | 'MISSED' | '' {
  const target = /^(≤|≥)\s*([\d.,]+)\s*(MB|\/s|s)?(?:\s|$)/.exec(row.target ?? '');
  if (target === null) return '';
  const limit = Number(target[2]!.replace(/,/g, ''));
  const value = target[3] === undefined ? row.ratio : row.strata;
  return (target[1] === '≤' ? value <= limit : value >= limit) ? 'met' : 'MISSED';
}

export function printTable(title: string, otherName: string, rows: readonly Row[]): void {
  for (const row of rows) printed.push({ title, row });
  console.log(`\n${title}`);
  const width = Math.max(44, ...rows.map((r) => r.metric.length));
  console.log(`${'measurement'.padEnd(width)} ${'strata'.padStart(10)} ${otherName.padStart(10)} ${'ratio'.padStart(8)}  target`);
  for (const r of rows) {
    console.log(`${r.metric.padEnd(width)} ${r.strata.toFixed(1).padStart(10)} ${r.other.toFixed(1).padStart(10)} ${r.ratio.toFixed(2).padStart(8)}  ${r.target ?? ''}`);
  }
}

/** One table of every ratio the run printed, with its target and whether it was met. */
export function printSummary(): void {
  if (printed.length === 0) return;
  console.log('\n== all ratios');
  const width = Math.max(...printed.map(({ row }) => row.metric.trim().length)) + 2;
  let title = '';
  for (const { title: t, row } of printed) {
    if (t !== title) console.log(`${(title = t)}`);
    console.log(`  ${row.metric.trim().padEnd(width)} ${row.ratio.toFixed(2).padStart(8)}  ${(row.target ?? '').padEnd(34)} ${verdict(row)}`);
  }
  const missed = printed.filter(({ row }) => verdict(row) === 'MISSED').length;
  console.log(`${printed.filter(({ row }) => verdict(row) !== '').length - missed} targets met, ${missed} missed`);
}
