/**
 * Gives an integration test file a ready cluster from the test bed: one control plane per
 * file (started in beforeAll, stopped in afterAll, by PID), and a fresh namespace per test.
 * Set STRATA_TESTBED_KEEP=1 to leave it running after a failure, for a look at the logs.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { TestbedState } from '../../testbed/state.ts';
import { down, up, type UpOptions } from '../../testbed/testbed.ts';

export interface ClusterFixture {
  /** The running test bed (kubeconfig, etcd endpoints, processes). */
  readonly bed: TestbedState;
  readonly kubeconfig: KubeConfig;
  /** A namespace created for the current test and deleted after it. */
  readonly namespace: string;
}

export function useCluster(options: UpOptions & { readonly name: string }): () => ClusterFixture {
  let bed: TestbedState | undefined;
  let kubeconfig: KubeConfig | undefined;
  let namespace: string | undefined;

  beforeAll(async () => {
    bed = await up(options);
    kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(bed.kubeconfig);
  });

  afterAll(async () => {
    if (process.env['STRATA_TESTBED_KEEP'] !== '1') await down(options.name);
  });

  beforeEach(async () => {
    namespace = `t-${randomBytes(4).toString('hex')}`;
    await kubeconfig!.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  });

  afterEach(async () => {
    if (namespace === undefined || kubeconfig === undefined) return;
    // A test that stopped etcd leaves an API server that cannot delete: do not wait on it.
    const deletion = kubeconfig.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }).catch(() => undefined);
    await Promise.race([deletion, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  });

  return () => {
    if (bed === undefined || kubeconfig === undefined || namespace === undefined) throw new Error('useCluster: the test bed is not up (call it at the top of a describe block)');
    return { bed, kubeconfig, namespace };
  };
}
