/**
 * A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 for the SFTP backend tests:
 * its own host key, config and authorized key, so it never touches the machine's sshd.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { ensureProgram } from './apt.ts';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.ts';

export interface SshdState {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly identityFile: string;
  /** known_hosts with this server's host key: what a client pins. */
  readonly knownHostsFile: string;
  /** A directory the user may write to, for repositories. */
  readonly storage: string;
  readonly process: ManagedProcess;
}

export async function startSshd(dir: string): Promise<SshdState> {
  const sshd = ensureProgram(['/usr/sbin/sshd'], ['openssh-server', 'openssh-client']);
  const root = join(dir, 'sshd');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  const hostKey = join(root, 'host_ed25519');
  const identityFile = join(root, 'client_ed25519');
  for (const key of [hostKey, identityFile]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  writeFileSync(join(root, 'authorized_keys'), readFileSync(`${identityFile}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = join(root, 'sshd_config');
  writeFileSync(config, [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `PidFile ${join(root, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(root, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password', 'UsePAM no', 'StrictModes no', 'Subsystem sftp internal-sftp', '',
  ].join('\n'), { mode: 0o600 });
  const knownHostsFile = join(root, 'known_hosts');
  const [type, key] = readFileSync(`${hostKey}.pub`, 'utf8').split(' ');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${type} ${key}\n`, { mode: 0o600 });
  const storage = join(root, 'storage');
  mkdirSync(storage, { mode: 0o700 });
  const process = startProcess('sshd', sshd, ['-D', '-e', '-f', config], join(dir, 'sshd.log'));
  await waitFor('sshd', () => new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  }), 30_000, process);
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  return { host: '127.0.0.1', port, user, identityFile, knownHostsFile, storage, process };
}
