/**
 * Node configuration files as history writes them. A kubeadm node's configuration holds
 * secrets in plain text — private keys under pki/, client keys in kubeconfigs, the
 * EncryptionConfiguration's keys, passwords in env files — so before a file reaches git:
 * a file the plan marks sensitive, or one that is not text, becomes one line with its
 * digest; PEM private keys become a digest line; and a `key: value` or `KEY=value` line
 * whose key names a password, token, secret or private key keeps its key and loses its
 * value. Owners and modes, which git does not keep, go into `_files.modes`.
 */
import { isUtf8 } from 'node:buffer';
import type { Digest } from './digest.ts';

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;
/** `key: value`, `"key": value`, `- --flag=value`, `KEY=value`: the key, then the value. */
const SETTING = /^(\s*(?:-\s+)?(?:--)?"?([A-Za-z0-9_.-]+)"?\s*[:=]\s*)(\S.*?)(\s*)$/;
const SECRET_KEY = /password|passwd|token|secret|client-key-data|private-key|privatekey/i;
/** Keys that name where a secret is, not the secret: `token-auth-file`, `secretName`. */
const POINTER_KEY = /(file|path|dir|name|ref|ttl|type)$/i;

export interface RenderedFile {
  readonly text: string;
  /** What was withheld, for the run's log: "whole file", "2 values". */
  readonly withheld?: string;
}

function isBinary(bytes: Buffer): boolean {
  return bytes.includes(0) || !isUtf8(bytes);
}

export function renderNodeFile(bytes: Buffer, digest: Digest, sensitive: boolean): RenderedFile {
  if (sensitive) return { text: `# strata: withheld (marked sensitive), ${bytes.length} bytes, ${digest(bytes)}\n`, withheld: 'whole file' };
  if (isBinary(bytes)) return { text: `# strata: binary file, ${bytes.length} bytes, ${digest(bytes)}\n`, withheld: 'whole file' };
  let withheld = 0;
  const text = bytes
    .toString('utf8')
    .replace(PEM_PRIVATE_KEY, (block, label: string) => {
      withheld++;
      return `-----BEGIN ${label}PRIVATE KEY----- withheld by strata, ${digest(Buffer.from(block))} -----END ${label}PRIVATE KEY-----`;
    })
    .split('\n')
    .map((line) => {
      const setting = SETTING.exec(line);
      if (setting === null) return line;
      const [, head, key, value, tail] = setting as unknown as [string, string, string, string, string];
      if (!SECRET_KEY.test(key) || POINTER_KEY.test(key) || value.startsWith('hmac-sha256:') || value.includes('withheld by strata')) return line;
      withheld++;
      return `${head}${digest(Buffer.from(value))}${tail}`;
    })
    .join('\n');
  return { text, ...(withheld > 0 && { withheld: `${withheld} value${withheld === 1 ? '' : 's'}` }) };
}

export interface NodeFileMode {
  readonly path: string;
  readonly type: 'file' | 'symlink';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly target?: string;
}

/** `_files.modes`: one line per file, by path, so a chmod or chown is a one-line diff. */
export function renderModes(entries: readonly NodeFileMode[]): string {
  const lines = [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${(e.mode & 0o7777).toString(8).padStart(4, '0')} ${e.uid}:${e.gid} ${e.type} ${e.path}${e.target === undefined ? '' : ` -> ${e.target}`}`);
  return `# mode uid:gid type path (git keeps neither owners nor modes)\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}`;
}
