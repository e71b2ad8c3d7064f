/**
 * Host key pinning for SFTP: an OpenSSH known_hosts file (plain or hashed host names), or
 * a file with one bare "ssh-ed25519 AAAA…" line that pins the key whatever the host name.
 */
import { createHmac } from 'node:crypto';

export interface PinnedKey {
  readonly hosts: ((host: string) => boolean) | 'any';
  readonly key: Buffer;
}

function hostPattern(field: string): (host: string) => boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    return (host) => createHmac('sha1', Buffer.from(salt ?? '', 'base64')).update(host).digest('base64') === hash;
  }
  const names = field.split(',');
  return (host) => names.includes(host);
}

export function parseKnownHosts(text: string): PinnedKey[] {
  const keys: PinnedKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) continue;
    const fields = line.split(/\s+/);
    if (fields[0]?.startsWith('ssh-') || fields[0]?.startsWith('ecdsa-')) {
      keys.push({ hosts: 'any', key: Buffer.from(fields[1] ?? '', 'base64') });
    } else if (fields.length >= 3) {
      keys.push({ hosts: hostPattern(fields[0]!), key: Buffer.from(fields[2]!, 'base64') });
    }
  }
  return keys;
}

/** The name known_hosts uses for host:port. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function isPinned(keys: readonly PinnedKey[], host: string, port: number, presented: Buffer): boolean {
  const name = knownHostsName(host, port);
  return keys.some((pin) => (pin.hosts === 'any' || pin.hosts(name)) && pin.key.equals(presented));
}
