/**
 * The test bed's own promises: an independent second control plane beside the first (for
 * migration tests), MinIO on demand, and `down` stopping exactly the processes it started.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { get } from '../testbed/http.ts';
import { isRunning } from '../testbed/processes.ts';
import { addDocker, addMinio, down, up } from '../testbed/testbed.ts';

const names = ['bed-first', 'bed-second', 'bed-docker'];

describe('test bed', () => {
  afterAll(async () => {
    for (const name of names) await down(name);
  });

  it('runs two independent control planes, MinIO on demand, and stops exactly what it started', async () => {
    const first = await up({ name: 'bed-first', nodes: 1 });
    const second = await addMinio(await up({ name: 'bed-second', nodes: 1 }));
    expect(second.server).not.toBe(first.server);
    expect(second.etcd.endpoints).not.toEqual(first.etcd.endpoints);

    // A namespace created in one cluster does not exist in the other.
    const client = (kubeconfig: string) => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      return kc.makeApiClient(CoreV1Api);
    };
    await client(first.kubeconfig).createNamespace({ body: { metadata: { name: 'only-in-first' } } });
    const inSecond = await client(second.kubeconfig).listNamespace();
    expect(inSecond.items.map((n) => n.metadata?.name)).not.toContain('only-in-first');

    expect((await get(`${second.minio!.endpoint}/minio/health/live`)).status).toBe(200);

    await down('bed-second');
    expect(second.processes.some(isRunning)).toBe(false);
    expect(existsSync(second.dir)).toBe(false);
    // The first test bed is untouched by stopping the second.
    expect(first.processes.every(isRunning)).toBe(true);
    expect((await client(first.kubeconfig).readNamespace({ name: 'only-in-first' })).metadata?.name).toBe('only-in-first');
  });

  it('starts a private Docker Engine on demand in which a Swarm can be initialised', async () => {
    const bed = await addDocker(await up({ name: 'bed-docker', nodes: 1 }));
    const docker = (...args: string[]) => execFileSync('docker', ['--host', bed.docker!.host, ...args], { encoding: 'utf8', timeout: 60_000 });
    docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
    expect(docker('info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}').trim()).toBe('active true');
    await down('bed-docker');
    expect(isRunning(bed.docker!.process)).toBe(false);
  });
});
