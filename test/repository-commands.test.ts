/**
 * The repository commands on real remote storage (MinIO, OpenSSH), replication between
 * them, key management, and one clear message for each kind of bad input.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { Repository } from '../src/repository/repository.ts';
import { sealJson } from '../src/repository/metadata.ts';
import { LocalBackend } from '../src/storage/local.ts';
import { describeTree, generateTree } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';
import { useMinio, useSshd } from './helpers/services.ts';

describe('remote repositories and replication', () => {
  const minio = useMinio();
  const sshd = useSshd();

  it('backs up to S3, copies to SFTP (only what is missing), and restores from the copy', async () => {
    const s = scratch();
    const bucket = `strata-${randomBytes(4).toString('hex')}`;
    await minio().createBucket(bucket);
    const env = {
      ...minio().env(),
      STRATA_SFTP_IDENTITY_FILE: sshd().identityFile,
      STRATA_SFTP_KNOWN_HOSTS: sshd().knownHostsFile,
    };
    const s3 = `s3://${bucket}/cluster-a`;
    const sftp = `sftp://${sshd().user}@127.0.0.1:${sshd().port}${sshd().storage}/mirror-${randomBytes(3).toString('hex')}`;
    const source = join(s.dir, 'source');
    generateTree(source, { smallFiles: 120, largeFiles: 1, largeSize: 5 * 1024 * 1024 }, 21);
    await s.ok(['init', '--repo', s3], env);
    await s.ok(['init', '--repo', sftp], env);
    const first = JSON.parse((await s.ok(['backup', '--repo', s3, '--files', source, '--json'], env)).stdout) as { id: string };
    await s.ok(['check', '--read-data', '--repo', s3], env);

    const copy1 = JSON.parse((await s.ok(['copy', '--all', '--repo', s3, '--to', sftp, '--json'], env)).stdout) as { status: string; blobsCopied: number }[];
    expect(copy1.map((c) => c.status)).toEqual(['copied']);
    writeFileSync(join(source, 'dir-0', 'new-file.txt'), 'added later\n');
    await s.ok(['backup', '--repo', s3, '--files', source], env);
    const copy2 = JSON.parse((await s.ok(['copy', '--all', '--repo', s3, '--to', sftp, '--json'], env)).stdout) as { status: string; blobsCopied: number }[];
    expect(copy2.map((c) => c.status)).toEqual(['present', 'copied']);
    expect(copy2[1]!.blobsCopied).toBeLessThan(copy1[0]!.blobsCopied / 4);
    await s.ok(['check', '--read-data', '--repo', sftp], env);

    const mirrored = JSON.parse((await s.ok(['snapshots', '--repo', sftp, '--json'], env)).stdout) as { id: string; origin: { snapshot: string } }[];
    expect(mirrored.map((m) => m.origin.snapshot)[0]).toBe(first.id);
    const target = join(s.dir, 'restore');
    await s.ok(['restore', 'latest', '--repo', sftp, '--target', target], env);
    expect(describeTree(join(target, 'files', source))).toEqual(describeTree(source));
  }, 300_000);

  it('names an unreachable S3 endpoint in one message, without a stack trace', async () => {
    const s = scratch();
    const result = await s.run(['snapshots', '--repo', 's3://nowhere/x'], { ...minio().env(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^strata: .*s3:\/\/nowhere\/x.*(ECONNREFUSED|connect)/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});

describe('keys', () => {
  it('adds, lists, rotates and removes passwords and age recipients without touching data', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    const source = join(s.dir, 'source');
    generateTree(source, { smallFiles: 10, largeFiles: 0, largeSize: 0 });
    await s.ok(['init', '--repo', repo]);
    await s.ok(['backup', '--repo', repo, '--files', source]);
    const second = join(s.dir, 'second');
    writeFileSync(second, 'second-password\n');
    const identity = await generateIdentity();
    const identityFile = join(s.dir, 'age.key');
    writeFileSync(identityFile, `# created for a test\n${identity}\n`);
    await s.ok(['key', 'add', '--repo', repo, '--new-password-file', second]);
    await s.ok(['key', 'add', '--repo', repo, '--age-recipient', await identityToRecipient(identity)]);
    const keys = JSON.parse((await s.ok(['key', 'list', '--repo', repo, '--json'])).stdout) as { id: string; kind: string; current: boolean }[];
    expect(keys.map((k) => k.kind).sort()).toEqual(['age', 'password', 'password']);
    expect(keys.filter((k) => k.current)).toHaveLength(1);

    const viaAge = await s.ok(['snapshots', '--repo', repo, '--identity-file', identityFile, '--json'], { STRATA_PASSWORD_FILE: '' });
    expect(JSON.parse(viaAge.stdout)).toHaveLength(1);
    const current = keys.find((k) => k.current)!;
    const refused = await s.run(['key', 'remove', current.id.slice(0, 8), '--repo', repo]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the one this command opened/);
    await s.ok(['key', 'remove', current.id.slice(0, 8), '--repo', repo, '--password-file', second]);
    const old = await s.run(['snapshots', '--repo', repo]);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/wrong password/);

    const third = join(s.dir, 'third');
    writeFileSync(third, 'third-password\n');
    await s.ok(['key', 'passwd', '--repo', repo, '--password-file', second, '--new-password-file', third]);
    expect((await s.run(['snapshots', '--repo', repo, '--password-file', second])).code).toBe(1);
    const target = join(s.dir, 'restore');
    await s.ok(['restore', 'latest', '--repo', repo, '--password-file', third, '--target', target]);
    expect(describeTree(join(target, 'files', source))).toEqual(describeTree(source));
  }, 120_000);
});

describe('bad input', () => {
  it('gives one clear message and the documented exit code for each mistake', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    const missing = await s.run(['snapshots', '--repo', join(s.dir, 'nothing-here')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^strata: no repository at .*nothing-here\nhint: create one with: strata init/m);

    await s.ok(['init', '--repo', repo]);
    const again = await s.run(['init', '--repo', repo]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);

    const wrong = join(s.dir, 'wrong');
    writeFileSync(wrong, 'not the password\n');
    const denied = await s.run(['snapshots', '--repo', repo, '--password-file', wrong]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^strata: repository .* wrong password/m);

    const noPassword = await s.run(['snapshots', '--repo', repo], { STRATA_PASSWORD_FILE: '' });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/no password or age identity given\nhint: pass --password-file/);

    const noFiles = await s.run(['backup', '--repo', repo, '--files', join(s.dir, 'no-such-dir')]);
    expect(noFiles.code).toBe(2);
    expect(noFiles.stderr).toMatch(/--files .*no-such-dir: no such file or directory/);

    const noSnapshot = await s.run(['restore', 'deadbeef', '--repo', repo, '--target', join(s.dir, 't')]);
    expect(noSnapshot.code).toBe(2);
    expect(noSnapshot.stderr).toMatch(/no snapshot deadbeef/);

    const badSubset = await s.run(['check', '--repo', repo, '--read-data-subset', '150%']);
    expect(badSubset.code).toBe(2);
    expect(badSubset.stderr).toMatch(/expected a percentage/);

    // A repository written by a future strata.
    const repository = await Repository.open(new LocalBackend(repo), { password: 'a-long-test-password' });
    await repository.backend.save('config', sealJson(repository.masterKey, 'config', { ...repository.config, version: 9 }));
    const newer = await s.run(['snapshots', '--repo', repo]);
    expect(newer.code).toBe(1);
    expect(newer.stderr).toMatch(/format version 9 is newer than this strata supports \(1\)\nhint: upgrade strata/);
    for (const result of [missing, again, denied, noPassword, noFiles, noSnapshot, newer]) expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
