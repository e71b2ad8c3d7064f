/**
 * Retention against the reference: restic forget (built from its module at the version in
 * testbed/versions.env). A restic repository gets snapshots at
 * the same synthetic times (`restic backup --time`, in a zone with DST), and for several
 * GFS policies `restic forget --dry-run --json` must keep exactly what applyRetention keeps.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, type RetentionPolicy } from '../src/core/retention/policy.ts';
import { binary } from '../testbed/binaries.ts';

const ZONE = 'Europe/Berlin';
const COUNT = 70;

interface ResticSnapshot {
  id: string;
  time: string;
}

describe('retention matches restic forget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-restic-'));
  const env = { ...process.env, RESTIC_REPOSITORY: join(dir, 'repo'), RESTIC_PASSWORD: 'differential', TZ: ZONE, RESTIC_CACHE_DIR: join(dir, 'cache') };
  let restic: string;
  let snapshots: ResticSnapshot[];

  beforeAll(() => {
    restic = binary('restic', 'restic');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'file'), 'retention');
    execFileSync(restic, ['init', '--quiet'], { env });
    // Seeded times over about 15 months, across two DST changes and a year end, at all hours.
    let state = 7;
    const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let time = Date.parse('2025-10-01T00:00:00Z');
    for (let i = 0; i < COUNT; i++) {
      time += Math.floor(random() * 9 * 86_400_000);
      const local = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, dateStyle: 'short', timeStyle: 'medium' }).format(time);
      execFileSync(restic, ['backup', '--quiet', '--time', local, join(dir, 'data')], { env });
    }
    // The times restic stored (an ambiguous local hour is resolved by restic, not by us).
    snapshots = JSON.parse(execFileSync(restic, ['snapshots', '--json'], { env, encoding: 'utf8' })) as ResticSnapshot[];
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const policies: RetentionPolicy[] = [
    { daily: 7, weekly: 4, monthly: 3 },
    { last: 3, daily: 7, weekly: 4, monthly: 6, yearly: 2 },
    { hourly: 10, daily: 10 },
    { weekly: 52 },
    { monthly: -1 },
    { yearly: 5, last: 1 },
  ];

  for (const policy of policies) {
    it(`keeps the same snapshots for ${JSON.stringify(policy)}`, () => {
      const flags = Object.entries({ last: policy.last, hourly: policy.hourly, daily: policy.daily, weekly: policy.weekly, monthly: policy.monthly, yearly: policy.yearly })
        .filter(([, n]) => n !== undefined)
        .map(([kind, n]) => `--keep-${kind}=${n === -1 ? 'unlimited' : n}`);
      const groups = JSON.parse(execFileSync(restic, ['forget', '--dry-run', '--json', ...flags], { env, encoding: 'utf8' })) as { keep: ResticSnapshot[] | null }[];
      const theirs = new Set(groups.flatMap((g) => g.keep ?? []).map((s) => s.id));
      const ours = applyRetention(snapshots.map((s) => ({ id: s.id, time: Date.parse(s.time) })), { ...policy, timeZone: ZONE });
      expect(snapshots).toHaveLength(COUNT);
      expect(new Set(ours.filter((d) => d.keep).map((d) => d.id))).toEqual(theirs);
    });
  }
});
