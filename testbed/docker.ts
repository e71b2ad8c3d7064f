/**
 * Docker Engine (Debian's docker.io) for the Swarm tests, started on demand with its own
 * socket, data and exec roots under the test bed folder, so it never touches a system
 * Docker. Installs docker.io through apt when dockerd is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { ensureProgram } from './apt.ts';
import { join } from 'node:path';
import { startProcess, waitFor } from './processes.ts';
import type { TestbedState } from './state.ts';

function dockerd(): string {
  return ensureProgram(['/usr/sbin/dockerd', '/usr/bin/dockerd'], ['docker.io']);
}

export async function startDocker(dir: string): Promise<NonNullable<TestbedState['docker']>> {
  const root = join(dir, 'docker');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const socket = join(root, 'docker.sock');
  const host = `unix://${socket}`;
  const process = startProcess('dockerd', dockerd(), [
    `--host=${host}`, `--data-root=${join(root, 'data')}`, `--exec-root=${join(root, 'exec')}`, `--pidfile=${join(root, 'docker.pid')}`,
    // Leave the machine's firewall and bridges alone; Swarm tests need no container networking off the host.
    '--iptables=false', '--ip6tables=false', '--bridge=none',
  ], join(dir, 'dockerd.log'));
  await waitFor('dockerd', async () => {
    execFileSync('docker', ['--host', host, 'version', '--format', '{{.Server.Version}}'], { stdio: 'ignore' });
    return true;
  }, 60_000, process);
  return { host, process };
}
