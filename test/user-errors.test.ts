/**
 * Situations a user causes or can fix: each gets one message that names the thing and what to
 * do, the documented exit code, and no "internal error".
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';

describe('errors the user can fix', () => {
  it('names what the user can fix, and never calls it an internal error', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const source = join(s.dir, 'source');
    mkdirSync(source);
    writeFileSync(join(source, 'a.txt'), 'a');
    const first = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', source, '--json'])).stdout) as { id: string };

    // A lost config: reported as damage, and the hint it gives (init) is refused, not followed.
    const config = readFileSync(join(repo, 'config'));
    rmSync(join(repo, 'config'));
    const lost = await s.run(['snapshots', '--repo', repo]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/has no config object, though it holds keys\/…, snapshots\/…, index\/…, data\/…: it is damaged\nhint: do not run `strata init` there/);
    const keysBefore = readdirSync(join(repo, 'keys'));
    const init = await s.run(['init', '--repo', repo]);
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/init refuses to write a second key/);
    expect(readdirSync(join(repo, 'keys'))).toEqual(keysBefore);
    const repaired = await s.ok(['repair', 'config', '--repo', repo]);
    expect(repaired.stdout).toMatch(/wrote a new config .*opens with the key/);
    await s.ok(['check', '--read-data', '--repo', repo]);
    await s.ok(['restore', first.id, '--repo', repo, '--target', join(s.dir, 'after-repair')]);
    expect(readFileSync(join(s.dir, 'after-repair', 'files', source, 'a.txt'), 'utf8')).toBe('a');
    expect(config.length).toBeGreaterThan(0);

    // A damaged key file is named, apart from a wrong password.
    const [key] = readdirSync(join(repo, 'keys'));
    const keyPath = join(repo, 'keys', key!);
    const keyBytes = readFileSync(keyPath);
    writeFileSync(keyPath, keyBytes.subarray(0, keyBytes.length - 5));
    const damagedKey = await s.run(['snapshots', '--repo', repo]);
    expect(damagedKey.code).toBe(1);
    expect(damagedKey.stderr).toContain(`key file keys/${key} (its content does not match its name) is damaged`);
    writeFileSync(keyPath, keyBytes);

    // --repo naming a file, --target naming a file.
    const file = join(s.dir, 'a-file');
    writeFileSync(file, 'x');
    const repoFile = await s.run(['snapshots', '--repo', file]);
    expect(repoFile.code).toBe(1);
    expect(repoFile.stderr).toMatch(/hint: .*a-file, or a folder above it, is a file: --repo names a directory/);
    const targetFile = await s.run(['restore', first.id, '--repo', repo, '--target', file]);
    expect(targetFile.code).toBe(2);
    expect(targetFile.stderr).toMatch(/--target .*a-file: is a file, not a directory/);

    // An API server that refuses connections is named with the kubeconfig it came from.
    const kubeconfig = join(s.dir, 'kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {token: t}}]\n');
    const refused = await s.run(['backup', '--repo', repo, '--objects', '--kubeconfig', kubeconfig]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`strata: cluster https://127.0.0.1:9 (from ${kubeconfig}): connection refused`);

    // A password file others can read: used, with one warning.
    chmodSync(s.passwordFile, 0o644);
    const shared = await s.ok(['snapshots', '--repo', repo]);
    expect(shared.stderr).toBe(`warning: --password-file ${s.passwordFile} is readable by everyone (mode 0644): chmod 600 ${s.passwordFile}\n`);
    chmodSync(s.passwordFile, 0o600);

    for (const result of [lost, init, damagedKey, repoFile, targetFile, refused]) expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  }, 120_000);

  it('says the disk is full, and what to do, when the repository file system fills up', async () => {
    const s = scratch();
    const mount = join(s.dir, 'small');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
    try {
      const repo = join(mount, 'repo');
      await s.ok(['init', '--repo', repo]);
      const source = join(s.dir, 'big');
      mkdirSync(source);
      writeFileSync(join(source, 'random.bin'), randomBytes(8 * 1024 * 1024));
      const full = await s.run(['backup', '--repo', repo, '--files', source]);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/ENOSPC/);
      expect(full.stderr).toMatch(/hint: the file system holding .*repo is full: free space there and run again; `strata prune` removes the packs a failed run left behind/);
      expect(full.stderr).not.toMatch(/internal error/);
      await s.ok(['check', '--repo', repo]);
    } finally {
      execFileSync('umount', [mount]);
    }
  }, 120_000);

  it('config check checks every file a run will open, with one prefix per problem, and --offline skips them', async () => {
    const s = scratch();
    const file = (name: string, text: string, mode = 0o600) => {
      const path = join(s.dir, name);
      writeFileSync(path, text, { mode });
      chmodSync(path, mode);
      return path;
    };
    const dotenv = file('s3-dotenv', 'AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=secret\n');
    const badS3 = file('s3-bad', 'only-one-line\n');
    const shared = file('shared-password', 'a password\n', 0o644);
    const notCert = file('ca.crt', 'not a certificate\n', 0o644);
    const notKubeconfig = file('kubeconfig', 'apiVersion: v1\nkind: Config\n');
    const config = (extra: string) => file('strata.yaml', `
repositories:
  main: { url: ${join(s.dir, 'repo')}, passwordFile: ${s.passwordFile}, s3: { credentialsFile: ${dotenv} } }
${extra}`);
    const good = config(`plans:\n  nightly: { repository: main, sources: [{ type: files, paths: [${s.dir}] }] }\n`);
    const valid = await s.ok(['config', 'check', '--config', good]);
    expect(valid.stdout).toContain(`${good}: valid, and every file it names`);
    expect(valid.stderr).toBe('');

    const bad = config(`  other: { url: ${join(s.dir, 'repo2')}, passwordFile: ${shared}, s3: { credentialsFile: ${badS3} } }
  gone: { url: ${join(s.dir, 'repo3')}, passwordFile: ${join(s.dir, 'no-such-password')} }
clusters:
  prod: { kubeconfig: ${notKubeconfig}, etcd: { endpoints: [https://127.0.0.1:2379], tls: { caFile: ${notCert} } } }
plans:
  nightly: { repository: main, sources: [{ type: files, paths: [${join(s.dir, 'no-such-dir')}] }] }
`);
    const checked = await s.run(['config', 'check', '--config', bad]);
    expect(checked.code).toBe(2);
    const lines = checked.stderr.trimEnd().split('\n');
    expect(lines.filter((l) => !l.startsWith('hint: '))).toEqual(expect.arrayContaining([
      `strata: ${bad}: repositories.other.passwordFile: ${shared}: readable by everyone (mode 0644): chmod 600 ${shared}`,
      `strata: ${bad}: repositories.other.s3.credentialsFile: ${badS3}: expected two lines (access key, secret key), aws_access_key_id / aws_secret_access_key (ini), or AWS_ACCESS_KEY_ID= / AWS_SECRET_ACCESS_KEY= (dotenv)`,
      `strata: ${bad}: repositories.gone.passwordFile: ${join(s.dir, 'no-such-password')}: no such file`,
      `strata: ${bad}: clusters.prod.kubeconfig: ${notKubeconfig}: not a kubeconfig (no clusters:)`,
      expect.stringMatching(new RegExp(`^strata: ${bad}: clusters\\.prod\\.etcd\\.tls\\.caFile: ${notCert}: does not parse as a PEM certificate`)),
      `strata: ${bad}: plans.nightly.sources[0].paths[0]: ${join(s.dir, 'no-such-dir')}: no such file`,
    ]));
    expect(lines.filter((l) => !l.startsWith('strata: ') && !l.startsWith('hint: '))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('strata: '))).toHaveLength(6);
    const offline = await s.ok(['config', 'check', '--offline', '--config', bad]);
    expect(offline.stdout).toContain('(files not checked: --offline)');
  });
});
