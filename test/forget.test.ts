/**
 * strata forget, hold and release on a real repository: snapshots recorded at given times
 * (backup --time), a GFS policy applied with reasons, holds honoured, a dry run that
 * removes nothing, and bad input refused with the flag named.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';

interface Decision {
  id: string;
  keep: boolean;
  reasons: string[];
}

describe('forget, hold and release', () => {
  const s = scratch();
  const repo = join(s.dir, 'repo');
  const data = join(s.dir, 'data');
  const env = { TZ: 'UTC' };
  const ids = new Map<string, string>();
  const days = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06'];

  beforeAll(async () => {
    mkdirSync(data);
    await s.ok(['init', '--repo', repo]);
    for (const day of days) {
      for (const hour of ['02:00:00', '14:00:00']) {
        writeFileSync(join(data, 'file'), `${day} ${hour}`);
        const out = await s.ok(['backup', '--repo', repo, '--files', data, '--time', `${day} ${hour}`, '--json'], env);
        const saved = JSON.parse(out.stdout) as { id: string; time: string };
        expect(saved.time).toBe(`${day}T${hour}.000Z`);
        ids.set(`${day} ${hour}`, saved.id);
      }
    }
  }, 120_000);

  const forget = async (args: string[]) => JSON.parse((await s.ok(['forget', '--repo', repo, '--json', '--time-zone', 'UTC', ...args], env)).stdout) as { removed: string[]; groups: { decisions: Decision[] }[] };
  const listed = async () => (JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout) as { id: string }[]).map((x) => x.id);

  it('a dry run lists every snapshot with keep or forget and the reasons, and removes nothing', async () => {
    const result = await forget(['--keep-daily', '3', '--dry-run']);
    expect(result.removed).toEqual([]);
    expect(await listed()).toHaveLength(12);
    const decisions = result.groups.flatMap((g) => g.decisions);
    expect(decisions.filter((d) => d.keep).map((d) => [d.id, d.reasons])).toEqual([
      [ids.get('2026-11-06 14:00:00'), ['daily #1 (2026-11-06)']],
      [ids.get('2026-11-05 14:00:00'), ['daily #2 (2026-11-05)']],
      [ids.get('2026-11-04 14:00:00'), ['daily #3 (2026-11-04)']],
    ]);
  });

  it('keeps held snapshots, forgets the rest, and forgets them too once released', async () => {
    const held = ids.get('2026-11-01 02:00:00')!;
    await s.ok(['hold', held.slice(0, 8), '--repo', repo, '--reason', 'incident 42']);
    const result = await forget(['--keep-daily', '3']);
    expect(result.removed).toHaveLength(8);
    expect(new Set(await listed())).toEqual(new Set([held, ids.get('2026-11-06 14:00:00'), ids.get('2026-11-05 14:00:00'), ids.get('2026-11-04 14:00:00')]));
    expect(result.groups[0]!.decisions.find((d) => d.id === held)!.reasons).toContain('hold');
    // Forgetting removes manifests only: a kept snapshot restores as before.
    await s.ok(['restore', ids.get('2026-11-05 14:00:00')!, '--repo', repo, '--target', join(s.dir, 'restored')]);

    await s.ok(['release', held, '--repo', repo]);
    const again = await forget(['--keep-daily', '3']);
    expect(again.removed).toEqual([held]);
    expect((await s.run(['release', ids.get('2026-11-06 14:00:00')!, '--repo', repo])).code).toBe(2);
  });

  it('refuses an empty policy and bad values, naming the flag, and removes nothing', async () => {
    const before = await listed();
    const empty = await s.run(['forget', '--repo', repo]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no retention policy given/);
    const bad = await s.run(['forget', '--repo', repo, '--keep-daily', 'seven']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--keep-daily seven: expected a count/);
    const zone = await s.run(['forget', '--repo', repo, '--keep-daily', '1', '--time-zone', 'Mars/Olympus']);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toMatch(/--time-zone Mars\/Olympus/);
    const time = await s.run(['backup', '--repo', repo, '--files', data, '--time', '2026-02-30 10:00:00']);
    expect(time.code).toBe(2);
    expect(time.stderr).toMatch(/--time 2026-02-30 10:00:00/);
    expect(await listed()).toEqual(before);
  });
});
