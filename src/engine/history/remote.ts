/**
 * Pushing a history to its remote. Over SSH with a key from a file and the server's host
 * key pinned (a known_hosts file or one bare "ssh-ed25519 AAAA…" line, as for the sftp
 * backend: never trust on first use); over HTTPS with a token from a file, sent as a Basic
 * authorization header that lives only in git's environment — never in its arguments
 * (`ps` shows those), its configuration or the URL. The branch and the history tags are
 * pushed without `+`: a remote that moved on, or holds a tag of the same name on another
 * commit, refuses, and nothing is forced. A push that fails keeps the local commits; the
 * next run pushes them.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { Duration } from '../../core/duration.ts';
import { readSecretValue } from '../../sources/secret-file.ts';
import { gitFailed, type Git } from './git.ts';

export interface RemoteSettings {
  readonly url: string;
  readonly branch: string;
  readonly identityFile?: string;
  readonly knownHostsFile?: string;
  readonly tokenFile?: string;
  readonly username: string;
  readonly caFile?: string;
  readonly timeout: string;
}

export interface PushOutcome {
  readonly pushed: boolean;
  /** Local commits the remote does not have after this attempt. */
  readonly unpushed: number;
  readonly error?: string;
}

const REMOTE = 'origin';

/** "ssh", "https", or a problem with the URL (which names the field). */
export function remoteKind(url: string, field: string): 'ssh' | 'https' {
  if (/^ssh:\/\//.test(url) || /^[^/:@]+@[^/:]+:/.test(url)) return 'ssh';
  if (/^https:\/\//.test(url)) {
    if (new URL(url).password !== '') throw new UsageError(`${field}: the URL holds a password`, { hint: 'put the token in a file and name it in tokenFile:' });
    return 'https';
  }
  throw new UsageError(`${field}: ${url} is neither ssh://… (or user@host:path) nor https://…`, { hint: 'a history is pushed over SSH with a pinned host key, or over HTTPS with a token' });
}

/** Refuses, by field, a remote that cannot be pushed to — before anything is written. */
export function checkRemote(remote: RemoteSettings, field: (key: string) => string): void {
  const kind = remoteKind(remote.url, field('url'));
  if (kind === 'ssh' && (remote.identityFile === undefined || remote.knownHostsFile === undefined)) {
    throw new UsageError(`${field('')}: a push over SSH needs identityFile: and knownHostsFile:`, { hint: 'the host key is pinned, never trusted on first use; ssh-keyscan the server once and check its fingerprint' });
  }
  const files: [string, string | undefined][] = kind === 'ssh' ? [['identityFile', remote.identityFile], ['knownHostsFile', remote.knownHostsFile]] : [['tokenFile', remote.tokenFile], ['caFile', remote.caFile]];
  for (const [key, file] of files) {
    if (file !== undefined && !existsSync(file)) throw new UsageError(`${field(key)}: ${file}: no such file`, { hint: 'give a file this user can read (mode 0600)' });
  }
}

/** known_hosts for ssh: a bare key line pins that key for any host name, as for the sftp backend. */
function knownHostsText(file: string): string {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => (/^(ssh-|ecdsa-)/.test(line.trim()) ? `* ${line.trim()}` : line))
    .join('\n');
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** Git's environment for one push, and a clean-up for what it wrote (a known_hosts copy). */
async function credentials(remote: RemoteSettings, { field, warn }: PushContext): Promise<{ env: NodeJS.ProcessEnv; done: () => void }> {
  checkRemote(remote, field);
  if (remoteKind(remote.url, field('url')) === 'ssh' && remote.identityFile !== undefined && remote.knownHostsFile !== undefined) {
    const dir = await mkdtemp(join(tmpdir(), 'strata-ssh-'));
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, knownHostsText(remote.knownHostsFile), { mode: 0o600 });
    const ssh = ['ssh', '-i', quote(remote.identityFile), '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${quote(knownHosts)}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-F', '/dev/null'];
    return { env: { GIT_SSH_COMMAND: ssh.join(' ') }, done: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const settings: [string, string][] = [];
  if (remote.tokenFile !== undefined) {
    const token = readSecretValue(remote.tokenFile, field('tokenFile'), warn);
    settings.push(['http.extraHeader', `Authorization: Basic ${Buffer.from(`${remote.username}:${token}`).toString('base64')}`]);
  }
  // The variable, not http.sslCAInfo: Debian's git (libcurl-gnutls) was seen to ignore that setting given in the environment.
  const env: NodeJS.ProcessEnv = { GIT_CONFIG_COUNT: String(settings.length), ...(remote.caFile !== undefined && { GIT_SSL_CAINFO: remote.caFile }) };
  settings.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return { env, done: () => undefined };
}

/** Commits on the local branch that the remote's branch (as last pushed or seen) lacks. */
export async function unpushedCommits(git: Git, branch: string): Promise<number> {
  const known = await git.call(['rev-parse', '--verify', '--quiet', `refs/remotes/${REMOTE}/${branch}`]);
  const range = known.code === 0 ? [`refs/remotes/${REMOTE}/${branch}..refs/heads/main`] : ['refs/heads/main'];
  const count = await git.call(['rev-list', '--count', ...range]);
  return count.code === 0 ? Number(count.stdout.trim()) : 0;
}

export interface PushContext {
  /** The configuration field (or flag) a setting came from, for messages. */
  readonly field: (key: string) => string;
  readonly warn: (message: string) => void;
  readonly signal?: AbortSignal;
}

export async function push(git: Git, remote: RemoteSettings, context: PushContext): Promise<PushOutcome> {
  const existing = await git.call(['remote', 'get-url', REMOTE]);
  await git.run(existing.code === 0 ? ['remote', 'set-url', REMOTE, remote.url] : ['remote', 'add', REMOTE, remote.url]);
  const { env, done } = await credentials(remote, context);
  try {
    const timeoutMs = Duration.parse(remote.timeout)?.milliseconds ?? 300_000;
    // No `+` on either refspec: never a forced update of the branch or of a tag.
    const args = ['push', '--porcelain', REMOTE, `refs/heads/main:refs/heads/${remote.branch}`, 'refs/tags/*:refs/tags/*'];
    const result = await git.call(args, { env, timeoutMs, ...(context.signal && { signal: context.signal }) });
    if (result.code === 0) {
      return { pushed: true, unpushed: await unpushedCommits(git, remote.branch) };
    }
    const rejected = result.stdout.split('\n').filter((line) => line.startsWith('!')).map((line) => line.split('\t').slice(1).join(' ')).join('; ');
    const error = rejected !== '' ? `the remote refused ${rejected} (history never force-pushes: another writer moved the remote, or it holds a tag of the same name)` : gitFailed(git.dir, args, result).message;
    return { pushed: false, unpushed: await unpushedCommits(git, remote.branch), error };
  } finally {
    done();
  }
}
