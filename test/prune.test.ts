/**
 * strata prune on a real repository: the data of forgotten snapshots is freed (whole packs
 * removed, mostly unused packs repacked), what remains restores byte for byte and passes
 * `check --read-data`; and a backup running in another process at the same time (stopped
 * with SIGSTOP while the prune decides, so the overlap is certain) completes, its snapshot
 * reuses data the prune had marked unused, and that data is kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { filesUnder } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

interface PruneReport {
  dryRun: boolean;
  removedPacks: number;
  repackedPacks: number;
  keptForNewSnapshots: number;
  deferredPacks: number;
  waitedFor: string[];
  freedBytes: number;
  stats: { freedBytes: number; unusedBytes: number };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function writeRandom(path: string, mib: number): void {
  const chunks = Array.from({ length: mib }, () => randomBytes(1024 * 1024));
  writeFileSync(path, Buffer.concat(chunks));
}

function repositoryBytes(repo: string): number {
  return filesUnder(join(repo, 'data')).reduce((sum, f) => sum + readFileSync(f).length, 0);
}

function packCount(repo: string): number {
  return readdirSync(join(repo, 'data')).reduce((sum, d) => sum + readdirSync(join(repo, 'data', d)).length, 0);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 10_000 && Date.now() < deadline; attempt++) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function collectOutput(child: ChildProcess): { stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { stdout: () => stdout, stderr: () => stderr, exit };
}

describe('prune', () => {
  let s: ReturnType<typeof scratch>;
  let repo: string;
  beforeEach(async () => {
    s = scratch();
    repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
  });

  const backupJson = async (args: string[]) => JSON.parse((await s.ok(['backup', '--repo', repo, '--json', ...args])).stdout) as { id: string };

  it('frees what forgotten snapshots alone used, repacks mostly unused packs, and what remains restores exactly', async () => {
    const data = join(s.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'shared.txt'), 'kept by both snapshots\n'.repeat(1000));
    writeRandom(join(data, 'old.bin'), 6);
    await backupJson(['--files', data]);
    rmSync(join(data, 'old.bin'));
    writeRandom(join(data, 'new.bin'), 3);
    const kept = await backupJson(['--files', data]);
    const expected = { shared: sha(join(data, 'shared.txt')), new: sha(join(data, 'new.bin')) };

    const before = repositoryBytes(repo);
    const packsBefore = packCount(repo);
    // Forget alone removes manifests only.
    await s.ok(['forget', '--repo', repo, '--keep-last', '1']);
    expect(repositoryBytes(repo)).toBe(before);

    const plan = JSON.parse((await s.ok(['prune', '--repo', repo, '--dry-run', '--json'])).stdout) as PruneReport;
    expect(plan.dryRun).toBe(true);
    expect(plan.stats.freedBytes).toBeGreaterThan(6 * 1024 * 1024 * 0.95);
    expect(packCount(repo)).toBe(packsBefore);
    expect(repositoryBytes(repo)).toBe(before);

    const done = JSON.parse((await s.ok(['prune', '--repo', repo, '--json'])).stdout) as PruneReport;
    expect(done.removedPacks + done.repackedPacks).toBeGreaterThan(0);
    expect(done.freedBytes).toBeGreaterThan(6 * 1024 * 1024 * 0.95);
    expect(before - repositoryBytes(repo)).toBeGreaterThan(6 * 1024 * 1024 * 0.9);
    expect(repositoryBytes(repo)).toBeLessThan(before - 6 * 1024 * 1024 * 0.9);

    const check = await s.ok(['check', '--repo', repo, '--read-data']);
    expect(check.stdout).toContain('no errors were found');
    const target = join(s.dir, 'restore');
    await s.ok(['restore', kept.id, '--repo', repo, '--target', target]);
    expect(sha(join(target, 'files', data, 'shared.txt'))).toBe(expected.shared);
    expect(sha(join(target, 'files', data, 'new.bin'))).toBe(expected.new);

    // Nothing is left to free, and a second prune changes nothing.
    const again = JSON.parse((await s.ok(['prune', '--repo', repo, '--json'])).stdout) as PruneReport;
    expect(again.removedPacks).toBe(0);
    expect(again.freedBytes).toBe(0);
  }, 180_000);

  it('forget --prune frees in one step and reports both', async () => {
    const data = join(s.dir, 'data');
    mkdirSync(data);
    writeRandom(join(data, 'a.bin'), 2);
    await backupJson(['--files', data]);
    writeRandom(join(data, 'a.bin'), 2);
    await backupJson(['--files', data]);
    const out = JSON.parse((await s.ok(['forget', '--repo', repo, '--keep-last', '1', '--prune', '--json'])).stdout) as { removed: string[]; prune: PruneReport };
    expect(out.removed).toHaveLength(1);
    expect(out.prune.freedBytes).toBeGreaterThan(2 * 1024 * 1024 * 0.95);
    const bad = await s.run(['prune', '--repo', repo, '--max-unused', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-unused lots');
  }, 120_000);

  it('keeps the data a backup running at the same time reuses; that backup completes and passes check --read-data', async () => {
    const old = join(s.dir, 'old');
    const next = join(s.dir, 'next');
    mkdirSync(old);
    mkdirSync(next);
    writeRandom(join(old, 'big.bin'), 48);
    // The running backup will hold the same bytes as the forgotten snapshot, first in its walk.
    writeFileSync(join(next, 'a-reused.bin'), readFileSync(join(old, 'big.bin')));
    writeRandom(join(next, 'b-new.bin'), 64);
    const expected = { reused: sha(join(next, 'a-reused.bin')), fresh: sha(join(next, 'b-new.bin')) };
    await backupJson(['--files', old]);
    writeFileSync(join(old, 'big.bin'), 'replaced\n');
    await backupJson(['--files', old]);
    await s.ok(['forget', '--repo', repo, '--keep-last', '1']);
    const packsBefore = packCount(repo);

    const env = { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile, STRATA_PASSWORD: '' };
    const backup = spawn(process.execPath, [main, 'backup', '--repo', repo, '--files', next, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const backupOut = collectOutput(backup);
    let prune: ChildProcess | undefined;
    try {
      // Once it has written a new pack it has read the index (with the 48 MiB in it) and is under way.
      await until('the backup to write its first pack', () => (packCount(repo) > packsBefore ? true : undefined));
      process.kill(backup.pid!, 'SIGSTOP');
      prune = spawn(process.execPath, [main, 'prune', '--repo', repo, '--json', '--log-level', 'info', '--wait', '5m'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const pruneOut = collectOutput(prune);
      await until('the prune to wait for the backup', () => (pruneOut.stderr().includes('prune: waiting for backup') ? true : undefined));
      process.kill(backup.pid!, 'SIGCONT');
      expect(await backupOut.exit).toBe(0);
      expect(await pruneOut.exit).toBe(0);
      const report = JSON.parse(pruneOut.stdout()) as PruneReport;
      expect(report.waitedFor).toHaveLength(1);
      expect(report.waitedFor[0]).toMatch(/^backup on .*, pid \d+$/);
      // The packs holding big.bin's data were candidates; the running backup's snapshot uses them.
      expect(report.keptForNewSnapshots).toBeGreaterThan(0);
      expect(report.deferredPacks).toBe(0);
    } finally {
      if (backup.exitCode === null) process.kill(backup.pid!, 'SIGCONT');
      if (backup.exitCode === null) backup.kill('SIGKILL');
      if (prune !== undefined && prune.exitCode === null) prune.kill('SIGKILL');
    }

    const check = await s.ok(['check', '--repo', repo, '--read-data']);
    expect(check.stdout).toContain('no errors were found');
    const saved = JSON.parse(backupOut.stdout()) as { id: string };
    const target = join(s.dir, 'restore');
    await s.ok(['restore', saved.id, '--repo', repo, '--target', target]);
    expect(sha(join(target, 'files', next, 'a-reused.bin'))).toBe(expected.reused);
    expect(sha(join(target, 'files', next, 'b-new.bin'))).toBe(expected.fresh);
  }, 240_000);
});
