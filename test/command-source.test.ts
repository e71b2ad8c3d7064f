/**
 * The command source against real programs (tar, sh, sleep): only changed chunks stored
 * again, a failing, hanging or silent command failing its item with the reason, secrets
 * handed over in the environment and absent from `ps`, the output and the raw repository,
 * verify and restore commands, and the source conformance suite.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTree as describeWithTimes } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';
import { sourceConformance } from './helpers/source-conformance.ts';

const MiB = 1024 * 1024;

/** A tree's files and modes; tar keeps times to the second, so they are left out. */
function describeTree(dir: string): unknown {
  return [...describeWithTimes(dir).entries()].map(([path, entry]) => [path, { ...entry, mtimeNs: undefined }]);
}

/** A directory of random files (what changes between backups is small) and a tar of it as the command. */
function dataDirectory(dir: string, files = 12): string {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(dir, `blob-${i}`), randomBytes(MiB));
  writeFileSync(join(dir, 'settings.conf'), 'mode=production\n');
  return `tar -C ${dir} -cf - .`;
}

interface Saved { id: string; result: string; summary: { bytes: number; newBytes: number }; sources: { record: { items: { name: string; exit: string; failed?: string; verify?: { ok: boolean } }[] } }[] }

describe('command source', () => {
  it('stores a changing directory\'s tar again as only its changed chunks, and gives it back', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const dir = join(s.dir, 'data');
    const tar = dataDirectory(dir);
    const first = JSON.parse((await s.ok(['backup', '--repo', repo, '--json', '--command', `data=${tar}`])).stdout) as Saved;
    expect(first.summary.newBytes).toBeGreaterThan(10 * MiB);
    appendFileSync(join(dir, 'settings.conf'), 'replicas=3\n');
    const second = JSON.parse((await s.ok(['backup', '--repo', repo, '--json', '--command', `data=${tar}`])).stdout) as Saved;
    expect(second.summary.bytes).toBeGreaterThan(12 * MiB);
    // Only the chunks around the changed file are new: far from the 12 MiB a plain copy costs.
    expect(second.summary.newBytes).toBeLessThan(3 * MiB);
    expect(second.sources[0]!.record.items[0]).toMatchObject({ name: 'data', exit: 'exit 0' });

    const out = join(s.dir, 'data.tar');
    expect((await s.ok(['restore', second.id, '--repo', repo, '--command', 'data', '--command-output', out, '--dry-run'])).stdout).toContain(`write data (`);
    await s.ok(['restore', second.id, '--repo', repo, '--command', 'data', '--command-output', out]);
    const back = join(s.dir, 'back');
    mkdirSync(back);
    execFileSync('tar', ['-C', back, '-xf', out]);
    expect(describeTree(back)).toEqual(describeTree(dir));
    // Nothing is overwritten.
    const again = await s.run(['restore', second.id, '--repo', repo, '--command', 'data', '--command-output', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`--command-output ${out}: exists`);
  }, 300_000);

  it('fails an item that exits non-zero, hangs past its timeout or prints nothing, with the reason, and stores nothing for it', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const cases: [string, string[], RegExp][] = [
      ['exit=sh -c echo${IFS}disk${IFS}full>&2;exit${IFS}3', [], /command exit \(sh -c .*\): exit 3: disk full/],
      ['hang=sleep 60', ['--command-timeout', '2s'], /command hang \(sleep 60\): timed out after 2s/],
      ['silent=true', [], /command silent \(true\): printed nothing/],
      ['missing=/nonexistent/tool', [], /command missing \(\/nonexistent\/tool\): could not start/],
    ];
    for (const [spec, extra, reason] of cases) {
      const result = await s.run(['backup', '--repo', repo, '--command', spec, ...extra]);
      expect(result.code, spec).toBe(1);
      expect(result.stderr).toMatch(reason);
    }
    expect(JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout)).toEqual([]);
    // Beside a good item, a failing one makes the snapshot partially failed and is named.
    const mixed = await s.run(['backup', '--repo', repo, '--json', '--command', 'good=echo ok', '--command', 'hang=sleep 60', '--command-timeout', '2s']);
    expect(mixed.code).toBe(3);
    const saved = JSON.parse(mixed.stdout) as Saved;
    expect(saved.sources[0]!.record.items.map((i) => [i.name, i.failed ?? 'stored'])).toEqual([['good', 'stored'], ['hang', 'timed out after 2s']]);
    // The hung program is gone, its process group with it.
    expect(spawnSync('pgrep', ['-f', '^sleep 60$']).status).toBe(1);
  }, 300_000);

  it('hands secrets over in the environment: absent from ps, the output, the record and the raw repository; verifies and restores through commands', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const passphrase = `pass-${randomBytes(12).toString('hex')}`;
    const secretFile = join(s.dir, 'passphrase');
    writeFileSync(secretFile, `${passphrase}\n`, { mode: 0o600 });
    const envFile = join(s.dir, 'vendor.env');
    writeFileSync(envFile, '# the vendor tool\nVENDOR_USER=admin\n', { mode: 0o644 });
    const dir = join(s.dir, 'data');
    dataDirectory(dir, 2);
    const out = join(s.dir, 'restored');
    mkdirSync(out);
    const marker = join(s.dir, 'running');
    const release = join(s.dir, 'release');
    const config = join(s.dir, 'strata.yaml');
    // The "vendor tool" writes its passphrase into its archive's first line, as an encrypted
    // archive depends on it; the verify command checks the archive; restore unpacks it.
    writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
plans:
  vendor:
    repository: main
    sources:
      - type: command
        name: archive
        command: [sh, -c, 'touch ${marker}; i=0; while [ ! -e ${release} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; echo "$VENDOR_USER:$PASSPHRASE"; tar -C ${dir} -cf - .']
        envFromFiles: { PASSPHRASE: ${secretFile} }
        envFiles: [${envFile}]
        verify: [sh, -c, 'head -n 1 | grep -q "^admin:"']
        restore: [sh, -c, 'read -r line; tar -C ${out} -xf -']
        timeout: 1m
`);
    const run = s.run(['run', 'vendor', '--config', config, '--json']);
    // While the command runs (it waits for the release file), no process shows the passphrase on its command line.
    for (let i = 0; i < 1200 && !existsSync(marker); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(marker)).toBe(true);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(passphrase);
    writeFileSync(release, '');
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(passphrase);
    // A shared env file is named, not refused.
    expect(JSON.stringify(JSON.parse(result.stdout))).toContain(`${envFile} is readable by everyone (mode 0644): chmod 600`);
    const shown = await s.ok(['show', 'latest', '--repo', repo, '--json']);
    expect(shown.stdout).not.toContain(passphrase);
    expect(shown.stdout).toContain('"verify"');
    expect(spawnSync('grep', ['-rl', passphrase, repo]).status).toBe(1);

    await s.ok(['restore', 'latest', '--repo', repo, '--command', 'archive']);
    expect(describeTree(out)).toEqual(describeTree(dir));
    // The item is the tool's output as it was: the passphrase line first.
    const raw = join(s.dir, 'raw');
    await s.ok(['restore', 'latest', '--repo', repo, '--command', 'archive', '--command-output', raw]);
    expect(readFileSync(raw, 'utf8').split('\n')[0]).toBe(`admin:${passphrase}`);

    // A verify that fails fails the item.
    writeFileSync(config, readFileSync(config, 'utf8').replace('grep -q "^admin:"', 'grep -q "^nobody:"'));
    const refused = await s.run(['run', 'vendor', '--config', config]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/command archive .*: verify \(sh -c .*\): exit 1/);
    chmodSync(envFile, 0o600);
  }, 300_000);

  sourceConformance(() => {
    let dir = '';
    let tar = '';
    return {
      type: 'command',
      async prepare(s) {
        dir = join(s.dir, 'conformance-data');
        tar = dataDirectory(dir, 4);
      },
      backupArgs: () => ['--command', `data=${tar}`],
      async restoreInto(s, repo, id) {
        const into = join(s.dir, `into-${randomBytes(3).toString('hex')}`);
        const file = `${into}.tar`;
        return {
          args: [id, '--repo', repo, '--command', 'data', '--command-output', file],
          read: async () => {
            if (!existsSync(file)) return 'nothing restored';
            mkdirSync(into, { recursive: true });
            execFileSync('tar', ['-C', into, '-xf', file]);
            return describeTree(into);
          },
        };
      },
      original: () => describeTree(dir),
      unchangedBytes: 64 * 1024,
      failing: async () => ({ args: ['--command', `data=${tar}`, '--command', 'broken=false'], item: /command broken/ }),
    };
  });
});
