/** From the `etcd:` settings of a cluster (or the equivalent flags) to what the client needs. */
import { readFile } from 'node:fs/promises';
import { Duration } from '../../core/duration.ts';
import type { EtcdConfig } from '../../core/config/schema.ts';
import { UsageError } from '../../core/errors.ts';
import type { EtcdConnectionOptions } from './types.ts';

export async function etcdConnectionOptions(config: EtcdConfig): Promise<EtcdConnectionOptions> {
  const read = async (path: string | undefined, what: string) => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw new UsageError(`${what} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
        hint: 'kubeadm keeps them in /etc/kubernetes/pki/etcd (ca.crt, healthcheck-client.crt, healthcheck-client.key)',
      });
    }
  };
  const [ca, cert, key, password] = await Promise.all([
    read(config.tls?.caFile, '--etcd-cacert'),
    read(config.tls?.certFile, '--etcd-cert'),
    read(config.tls?.keyFile, '--etcd-key'),
    read(config.auth?.passwordFile, '--etcd-password-file'),
  ]);
  return {
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    ...(config.auth && { username: config.auth.username }),
    ...(password && { password: password.toString('utf8').trimEnd() }),
    timeoutMs: (Duration.parse(config.dialTimeout) ?? Duration.seconds(5)).milliseconds,
  };
}
