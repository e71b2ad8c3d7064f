/**
 * strata install systemd: the service, timer and 0600 environment file for a plan; the
 * timer's OnCalendar fires exactly when the plan's cron expression does (systemd's own
 * calculator against croner's, over several expressions and time zones); systemd accepts
 * the units; and existing files are not replaced without --force.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onCalendar } from '../src/core/schedule/systemd.ts';
import { parseCron } from '../src/core/schedule/cron.ts';
import { ensureProgram } from '../testbed/apt.ts';
import { scratch } from './helpers/repo.ts';

describe('strata install systemd', () => {
  const s = scratch();
  const config = join(s.dir, 'strata.yaml');
  const units = join(s.dir, 'units');
  const envFile = join(s.dir, 'etc', 'strata-nightly.env');
  let analyze: string;

  beforeAll(() => {
    analyze = ensureProgram(['/usr/bin/systemd-analyze', '/bin/systemd-analyze'], ['systemd']);
    writeFileSync(config, `
repositories:
  main: { url: ${join(s.dir, 'repo')}, passwordFile: ${s.passwordFile} }
plans:
  nightly:
    repository: main
    sources: [{ type: files, paths: [/etc/hostname] }]
    schedule: { cron: "30 2 * * 1-5", timeZone: Europe/Rome, jitter: 10m }
  manual:
    repository: main
    sources: [{ type: files, paths: [/etc/hostname] }]
`);
  });

  it('writes a service, a timer and an environment file only root can read', async () => {
    const out = await s.ok(['install', 'systemd', '--plan', 'nightly', '--config', config, '--unit-dir', units, '--environment-file', envFile, '--env', 'AWS_PROFILE=backup']);
    expect(out.stdout).toContain('systemctl daemon-reload && systemctl enable --now strata-nightly.timer');
    const service = readFileSync(join(units, 'strata-nightly.service'), 'utf8');
    const timer = readFileSync(join(units, 'strata-nightly.timer'), 'utf8');
    expect(service).toMatch(new RegExp(`^ExecStart=\\S+/bin/strata run nightly --config ${config}$`, 'm'));
    expect(service).toContain(`EnvironmentFile=${envFile}`);
    expect(timer).toContain('OnCalendar=Mon..Fri *-*-* 02:30:00 Europe/Rome');
    expect(timer).toContain('RandomizedDelaySec=600s');
    expect(timer).toContain('Persistent=true');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(envFile, 'utf8')).toContain('AWS_PROFILE=backup');
    // systemd itself parses both units.
    execFileSync(analyze, ['verify', join(units, 'strata-nightly.service'), join(units, 'strata-nightly.timer')], { stdio: 'pipe', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'err' } });

    const again = await s.run(['install', 'systemd', '--plan', 'nightly', '--config', config, '--unit-dir', units, '--environment-file', envFile]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exist');
    expect(readFileSync(envFile, 'utf8')).toContain('AWS_PROFILE=backup');
    await s.ok(['install', 'systemd', '--plan', 'nightly', '--config', config, '--unit-dir', units, '--environment-file', envFile, '--force']);
  });

  it('refuses a plan without a schedule, naming it', async () => {
    const result = await s.run(['install', 'systemd', '--plan', 'manual', '--config', config, '--unit-dir', units, '--environment-file', envFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('plans.manual has no schedule');
  });

  it.each([
    ['0 1 * * *', 'Europe/Rome'],
    ['*/15 * * * *', 'UTC'],
    ['30 2 1,15 * *', 'America/New_York'],
    ['0 22 * * 1-5', 'Asia/Tokyo'],
    ['0 3 * jan,jul sun', 'UTC'],
    ['0 */6 * * *', 'Australia/Sydney'],
  ])('OnCalendar fires when cron "%s" in %s does', (cron, zone) => {
    const expression = onCalendar(cron, zone);
    const out = execFileSync(analyze, ['calendar', '--iterations', '6', expression], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    const systemd = [...out.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) => new Date(`${m[1]!.replace(' ', 'T')}Z`).toISOString());
    expect(systemd).toHaveLength(6);
    const schedule = parseCron(cron, zone);
    const croner: string[] = [];
    for (let at = new Date(Date.parse(systemd[0]!) - 1000); croner.length < 6;) {
      at = schedule.nextRun(at)!;
      croner.push(at.toISOString());
    }
    expect(systemd).toEqual(croner);
  });

  it('works as the docs show it, through the built bin/strata and in the container image\'s layout', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const run = (program: readonly string[], args: readonly string[]) => spawnSync(program[0]!, [...program.slice(1), ...args], { encoding: 'utf8', env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile } });
    const installed = (program: readonly string[], dir: string) => {
      const result = run(program, ['install', 'systemd', '--plan', 'nightly', '--config', config, '--unit-dir', dir, '--environment-file', join(dir, 'nightly.env')]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      execFileSync(analyze, ['verify', join(dir, 'strata-nightly.service'), join(dir, 'strata-nightly.timer')], { stdio: 'pipe', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'err' } });
      return readFileSync(join(dir, 'strata-nightly.service'), 'utf8');
    };
    // The checkout (or an unpacked release): ExecStart is the bin/strata wrapper.
    const wrapper = join(root, 'bin', 'strata');
    expect(installed([wrapper], join(s.dir, 'units-bin'))).toContain(`ExecStart=${realpathSync(wrapper)} run nightly --config ${config}\n`);
    const manual = run([wrapper], ['install', 'systemd', '--plan', 'manual', '--config', config, '--unit-dir', join(s.dir, 'units-bin')]);
    expect(manual.status).toBe(2);
    expect(manual.stderr).toContain('plans.manual has no schedule');
    // The image: /app/dist and /app/node_modules, no bin/: ExecStart is node and main.js.
    const app = join(s.dir, 'image', 'app');
    mkdirSync(app, { recursive: true });
    cpSync(join(root, 'dist'), join(app, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(app, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
    const main = join(app, 'dist', 'src', 'cli', 'main.js');
    expect(installed([process.execPath, main], join(s.dir, 'units-image'))).toContain(`ExecStart=${process.execPath} --max-semi-space-size=4 ${main} run nightly --config ${config}\n`);
  });

  /** systemd's own fire times for an OnCalendar expression, from a base time, in UTC. */
  const systemdFires = (expression: string, base: string, iterations: number): string[] => {
    const out = execFileSync(analyze, ['calendar', '--iterations', String(iterations), '--base-time', base, expression], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    return [...out.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) => new Date(`${m[1]!.replace(' ', 'T')}Z`).toISOString());
  };
  const cronerFires = (cron: string, zone: string, base: string, count: number): string[] => {
    const schedule = parseCron(cron, zone);
    const fires: string[] = [];
    for (let at = new Date(base); fires.length < count;) fires.push((at = schedule.nextRun(at)!).toISOString());
    return fires;
  };
  const nights = ['2027-03-27T22:00:00Z', '2027-10-30T22:00:00Z'];

  it.each([['30 1 * * *'], ['0 3 * * *'], ['45 2 * * 1-5'], ['0 6,18 * * *']])('on both DST nights, systemd and serve fire "%s" in Europe/Rome alike (so install accepts it)', (cron) => {
    for (const night of nights) expect(systemdFires(onCalendar(cron, 'Europe/Rome'), night.replace('T', ' ').replace('Z', ' UTC'), 4), night).toEqual(cronerFires(cron, 'Europe/Rome', night, 4));
  });

  it('refuses, naming the plan, a timer that would skip or repeat differently from serve, which systemd itself shows', async () => {
    // systemd skips the nonexistent 02:30 of 2027-03-28; serve runs it at 03:00.
    expect(systemdFires(onCalendar('30 2 * * *', 'Europe/Rome'), '2027-03-27 22:00:00 UTC', 2)).toEqual(['2027-03-29T00:30:00.000Z', '2027-03-30T00:30:00.000Z']);
    expect(cronerFires('30 2 * * *', 'Europe/Rome', nights[0]!, 2)).toEqual(['2027-03-28T01:00:00.000Z', '2027-03-29T00:30:00.000Z']);
    // systemd runs the repeated 02:00 of 2027-10-31 once; serve runs both.
    expect(systemdFires(onCalendar('0 * * * *', 'Europe/Rome'), '2027-10-30 23:30:00 UTC', 3)).toEqual(['2027-10-31T00:00:00.000Z', '2027-10-31T02:00:00.000Z', '2027-10-31T03:00:00.000Z']);
    expect(cronerFires('0 * * * *', 'Europe/Rome', '2027-10-30T23:30:00Z', 3)).toEqual(['2027-10-31T00:00:00.000Z', '2027-10-31T01:00:00.000Z', '2027-10-31T02:00:00.000Z']);
    const dst = join(s.dir, 'dst.yaml');
    writeFileSync(dst, `
repositories:
  main: { url: ${join(s.dir, 'repo')}, passwordFile: ${s.passwordFile} }
plans:
  at-half-past-two:
    repository: main
    sources: [{ type: files, paths: [/etc/hostname] }]
    schedule: { cron: "30 2 * * *", timeZone: Europe/Rome }
`);
    const refused = await s.run(['install', 'systemd', '--plan', 'at-half-past-two', '--config', dst, '--unit-dir', join(s.dir, 'units-dst')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^strata: plans\.at-half-past-two: schedule "30 2 \* \* \*" in Europe\/Rome would run differently under systemd than under strata serve on \d{4}-03-\d\d: 02:00–03:00 does not exist that night: serve runs at 03:00 where systemd does not\nhint: /);
  });
});
