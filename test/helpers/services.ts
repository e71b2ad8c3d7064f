/**
 * Storage services for a test file, without a cluster: MinIO and OpenSSH, started in
 * beforeAll in a private folder and stopped by PID in afterAll.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { startMinio } from '../../testbed/minio.ts';
import { stopProcess, type ManagedProcess } from '../../testbed/processes.ts';
import { startSshd, type SshdState } from '../../testbed/sshd.ts';
import type { TestbedState } from '../../testbed/state.ts';

type Minio = NonNullable<TestbedState['minio']> & { readonly secretKey: string; createBucket(name: string): Promise<void>; env(): NodeJS.ProcessEnv };

function useService<T extends { process: ManagedProcess }>(start: (dir: string) => Promise<T>): () => T {
  let dir: string | undefined;
  let service: T | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-service-'));
    service = await start(dir);
  }, 180_000);
  afterAll(async () => {
    if (service !== undefined) await stopProcess(service.process);
    if (dir !== undefined && process.env['STRATA_TESTBED_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (service === undefined) throw new Error('service not started');
    return service;
  };
}

export function useMinio(): () => Minio {
  return useService(async (dir) => {
    const minio = await startMinio(dir);
    const secretKey = readFileSync(minio.secretKeyFile, 'utf8');
    const client = new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: secretKey } });
    return {
      ...minio,
      secretKey,
      createBucket: async (name: string) => {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      },
      env: () => ({ AWS_ACCESS_KEY_ID: minio.accessKey, AWS_SECRET_ACCESS_KEY: secretKey, AWS_ENDPOINT_URL: minio.endpoint, AWS_REGION: 'us-east-1' }),
    };
  });
}

export function useSshd(): () => SshdState {
  return useService(startSshd);
}
