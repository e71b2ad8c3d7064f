/** The backend conformance suite against real MinIO and a real OpenSSH server. */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKnownHosts } from '../src/storage/known-hosts.ts';
import { S3Backend } from '../src/storage/s3.ts';
import { SftpBackend } from '../src/storage/sftp.ts';
import { readFileSync } from 'node:fs';
import { backendConformance } from './helpers/backend-conformance.ts';
import { useMinio, useSshd } from './helpers/services.ts';

describe('s3 on MinIO', () => {
  const minio = useMinio();
  backendConformance('s3 (MinIO)', async () => {
    const bucket = `conformance-${randomBytes(4).toString('hex')}`;
    await minio().createBucket(bucket);
    return new S3Backend({ bucket, prefix: 'some/prefix', endpoint: minio().endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: minio().accessKey, secretAccessKey: minio().secretKey } });
  });

  it('classifies wrong credentials as permanent, and a missing bucket too', async () => {
    const wrong = new S3Backend({ bucket: 'nope', prefix: '', endpoint: minio().endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const error = await wrong.save('k', Buffer.from('x')).then(() => undefined, (e: unknown) => e);
    expect(wrong.isPermanent(error)).toBe(true);
    expect(wrong.isNotFound(error)).toBe(false);
  });
});

describe('sftp on OpenSSH', () => {
  const sshd = useSshd();
  const backend = (path: string, knownHosts = sshd().knownHostsFile) =>
    new SftpBackend({
      host: sshd().host,
      port: sshd().port,
      username: sshd().user,
      path,
      privateKey: readFileSync(sshd().identityFile),
      pinnedKeys: parseKnownHosts(readFileSync(knownHosts, 'utf8')),
    });
  backendConformance('sftp (OpenSSH)', () => backend(join(sshd().storage, `repo-${randomBytes(4).toString('hex')}`)));

  it('refuses a server whose host key is not the pinned one', async () => {
    const other = join(sshd().storage, 'other_known_hosts');
    writeFileSync(other, `[127.0.0.1]:${sshd().port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ\n`);
    const b = backend(join(sshd().storage, 'never'), other);
    const error = await b.save('x', Buffer.from('secret')).then(() => undefined, (e: unknown) => e);
    expect(String(error)).toMatch(/host key that is not pinned/);
    expect(b.isPermanent(error)).toBe(true);
    await b.close();
  });
});
