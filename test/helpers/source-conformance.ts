/**
 * The one test suite every source passes, as the storage backends pass theirs: through the
 * CLI, on the test bed. A source's case says how to back it up, how to restore it, what
 * "the same" means for it, and how to make one item fail; the suite checks the contract.
 *
 * - the manifest entry of a backup validates against the source's registered schema;
 * - a second backup with nothing changed adds (almost) no bytes;
 * - `restore --dry-run` prints a plan and leaves the target as it was;
 * - a restore gives back what was backed up;
 * - an interruption at any point leaves either the whole snapshot or none, and a
 *   repository that `check` passes;
 * - one failing item gives a partially-failed snapshot that names it (a source whose run is
 *   one item refuses instead, and writes no snapshot);
 * - a copy of the snapshot (`strata copy`) in another repository restores the same.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { knownSource } from '../../src/sources/registry.ts';
import { scratch, type Scratch } from './repo.ts';

export interface Saved {
  readonly id: string;
  readonly result: string;
  readonly warnings: readonly string[];
  readonly sources: readonly { readonly type: string }[];
  readonly summary: { readonly bytes: number; readonly newBytes: number };
}

export interface SourceCase {
  readonly type: string;
  /** Makes what is backed up (once, before the suite's tests). */
  prepare(s: Scratch): Promise<void>;
  /** `strata backup` flags for this source (without --repo). */
  backupArgs(): readonly string[];
  /**
   * Readies a restore of the snapshot from `repo` (a target to restore into): the `strata
   * restore` arguments, and how to read the target back in a comparable form.
   */
  restoreInto(s: Scratch, repo: string, id: string): Promise<{ readonly args: readonly string[]; read(): Promise<unknown> }>;
  /** What was backed up, in the same form. */
  original(): Promise<unknown> | unknown;
  /** The bytes a second run of an unchanged source may still add (manifests, trees, a database's changed pages). */
  readonly unchangedBytes: number;
  /**
   * Makes one item fail: the flags of a backup where it fails, and the item's name as the
   * warning names it. `whole` for a source whose run is one item: it refuses instead.
   */
  failing(s: Scratch): Promise<{ readonly args: readonly string[]; readonly item: RegExp; readonly whole?: boolean }>;
}

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A backup interrupted (SIGINT) `afterMs` after it started; resolves with its exit code. */
function interruptedBackup(s: Scratch, args: readonly string[], afterMs: number): Promise<number | null> {
  const child = spawn(process.execPath, [main, 'backup', ...args], { env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile, STRATA_PASSWORD: '' }, stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGINT'), afterMs);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    resolve(code);
  }));
}

export function sourceConformance(make: () => SourceCase): void {
  const subject = make();
  describe(`${subject.type} source conformance`, () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    let first: Saved;
    const backup = async (target = repo, extra: readonly string[] = []) => {
      const result = await s.run(['backup', '--repo', target, '--json', ...subject.backupArgs(), ...extra]);
      if (result.code !== 0) throw new Error(`backup exited ${result.code}: ${result.stderr}`);
      return JSON.parse(result.stdout) as Saved;
    };
    const snapshotCount = async (target: string) => (JSON.parse((await s.ok(['snapshots', '--repo', target, '--json'])).stdout) as unknown[]).length;

    beforeAll(async () => {
      await s.ok(['init', '--repo', repo]);
      await subject.prepare(s);
      first = await backup();
    }, 600_000);

    it('writes a manifest entry that validates against the source\'s schema', () => {
      const source = knownSource(subject.type);
      expect(source).toBeDefined();
      const entry = first.sources.find((x) => x.type === subject.type);
      expect(entry).toBeDefined();
      const parsed = source!.manifest.safeParse(entry);
      expect(parsed.success ? 'valid' : JSON.stringify(parsed.error.issues)).toBe('valid');
      expect(first.result).toBe('completed');
    });

    // Before any restore: restoring may recreate what was backed up (API objects get new UIDs).
    it('adds (almost) no bytes when nothing changed', async () => {
      const again = await backup();
      expect(again.result).toBe('completed');
      expect(again.summary.newBytes).toBeLessThanOrEqual(subject.unchangedBytes);
    }, 600_000);

    const restored = async (target: string, id: string) => {
      const into = await subject.restoreInto(s, target, id);
      await s.ok(['restore', ...into.args]);
      return into.read();
    };

    it('plans a restore with --dry-run and changes nothing', async () => {
      const into = await subject.restoreInto(s, repo, first.id);
      const before = await into.read();
      const planned = await s.ok(['restore', ...into.args, '--dry-run']);
      expect(planned.stdout.trim()).not.toBe('');
      const json = await s.ok(['restore', ...into.args, '--dry-run', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ snapshot: first.id });
      expect(await into.read()).toEqual(before);
    }, 600_000);

    it('restores what it backed up', async () => {
      expect(await restored(repo, first.id)).toEqual(await subject.original());
    }, 600_000);

    it('leaves the whole snapshot or none, and a checkable repository, when interrupted at any point', async () => {
      const target = join(s.dir, 'interrupted');
      await s.ok(['init', '--repo', target]);
      let aborted = 0;
      for (const afterMs of [100, 700, 1500, 3000]) {
        const before = await snapshotCount(target);
        const code = await interruptedBackup(s, ['--repo', target, ...subject.backupArgs()], afterMs);
        const after = await snapshotCount(target);
        // A run that finished has its snapshot; one interrupted has none, or (stopped after the
        // snapshot was written) the whole one: never part of one, which `check` would find.
        expect({ afterMs, code, added: after - before }).toEqual({ afterMs, code, added: code === 0 ? 1 : expect.toBeOneOf([0, 1]) });
        if (after === before) aborted++;
        await s.ok(['check', '--repo', target]);
      }
      expect(aborted).toBeGreaterThan(0);
    }, 600_000);

    it('names one failing item and keeps the rest (partially failed), or refuses a one-item run whole', async () => {
      const target = join(s.dir, 'failing');
      await s.ok(['init', '--repo', target]);
      const failing = await subject.failing(s);
      const result = await s.run(['backup', '--repo', target, '--json', ...failing.args]);
      if (failing.whole === true) {
        expect(result.code).not.toBe(0);
        expect(result.code).not.toBe(3);
        expect(result.stderr).toMatch(failing.item);
        expect(await snapshotCount(target)).toBe(0);
        return;
      }
      expect(result.code).toBe(3);
      const saved = JSON.parse(result.stdout) as Saved;
      expect(saved.result).toBe('partially-failed');
      expect(saved.warnings.join('\n')).toMatch(failing.item);
      expect(result.stderr).toMatch(failing.item);
      expect(saved.sources.map((x) => x.type)).toContain(subject.type);
    }, 600_000);

    it('restores the same from a copy of the snapshot in another repository', async () => {
      const copy = join(s.dir, 'copy');
      await s.ok(['init', '--repo', copy]);
      await s.ok(['copy', first.id, '--repo', repo, '--to', copy]);
      const copied = (JSON.parse((await s.ok(['snapshots', '--repo', copy, '--json'])).stdout) as { id: string; origin: { snapshot: string } | null }[]).find((x) => x.origin?.snapshot === first.id);
      expect(copied).toBeDefined();
      expect(await restored(copy, copied!.id)).toEqual(await subject.original());
    }, 600_000);
  });
}
