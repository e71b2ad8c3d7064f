/**
 * Configuration history in git, against real git, the test bed's cluster, its OpenSSH
 * server and git's own smart-HTTP server behind TLS: a plan exports each completed
 * backup's objects and node files, commits and tags them; an image change is exactly one
 * changed line between two tags; a changed Secret is a changed digest and its value is in no
 * git object; an unchanged cluster makes no commit; pushes go over SSH with a pinned host
 * key and over HTTPS with a token, a failed push is retried by the next run, nothing is
 * forced and no tag ever moves.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttp, type GitHttpServer } from '../testbed/git-http.ts';
import { scratch } from './helpers/repo.ts';
import { useSshd } from './helpers/services.ts';
import { useCluster } from './helpers/testbed.ts';
import { kubectl } from './helpers/workloads.ts';

interface Run {
  result: string;
  snapshot?: string;
  warnings: string[];
  history?: { path: string; changed: boolean; tag?: string; commit?: string; added: number; removed: number; changedObjects: number; pushed?: boolean; unpushed?: number; error?: string; pushError?: string };
}

const git = (dir: string, args: readonly string[]): string => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
const tagsOf = (dir: string): Map<string, string> => new Map(git(dir, ['for-each-ref', '--format=%(refname:strip=2) %(objectname)', 'refs/tags']).split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
/** Every object git holds, loose and packed, decompressed: where a leaked value would be. */
const allObjects = (gitDir: string): string => execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch'], { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024 });
/** The tag the plan must have made: the snapshot's minute in Asia/Kolkata (UTC+05:30). */
const kolkataMinute = (iso: string): string => {
  const wall = new Date(Date.parse(iso) + 330 * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(wall.getUTCFullYear() % 100)}${p(wall.getUTCMonth() + 1)}${p(wall.getUTCDate())}-${p(wall.getUTCHours())}${p(wall.getUTCMinutes())}`;
};

describe('configuration history in git', () => {
  const cluster = useCluster({ name: 'history', nodes: 1 });
  const sshd = useSshd();
  const s = scratch();
  const repo = join(s.dir, 'repo');
  const history = join(s.dir, 'history');
  const nodeFiles = join(s.dir, 'node', 'etc', 'kubernetes');
  const config = join(s.dir, 'strata.yaml');
  const secretValue = `p4ss-${randomBytes(6).toString('hex')}`;
  const newSecretValue = `n3w-${randomBytes(6).toString('hex')}`;
  const clientKey = randomBytes(24).toString('base64');
  let bare: string;
  let ns: string;
  const tagHistory: Map<string, string>[] = [];
  let secondTag: string;

  const run = async (): Promise<Run> => {
    const result = await s.run(['run', 'nightly', '--config', config, '--json']);
    if (result.stdout === '') throw new Error(`strata run printed nothing (exit ${result.code}): ${result.stderr}`);
    const parsed = JSON.parse(result.stdout) as Run;
    tagHistory.push(tagsOf(history));
    return parsed;
  };

  // One namespace for the whole file (the fixture's own is made afresh for each test): set up in the first test, when the bed is up.
  const setUp = async () => {
    ns = `h-${randomBytes(4).toString('hex')}`;
    const kc = cluster().bed.kubeconfig;
    kubectl(kc, ['create', 'namespace', ns]);
    kubectl(kc, ['apply', '-f', '-'], `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: ${ns}}
stringData: {password: "${secretValue}"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${ns}}
data: {db-password: "${secretValue}", host: db.${ns}.svc}
`);
    mkdirSync(join(nodeFiles, 'manifests'), { recursive: true });
    writeFileSync(join(nodeFiles, 'admin.conf'), `apiVersion: v1\nusers:\n- name: admin\n  user:\n    client-key-data: ${clientKey}\n`, { mode: 0o600 });
    writeFileSync(join(nodeFiles, 'manifests', 'kube-apiserver.yaml'), 'spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --v=2\n', { mode: 0o644 });
    bare = join(sshd().storage, 'history.git');
    writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${kc} }
plans:
  nightly:
    cluster: bed
    repository: main
    schedule: { cron: "0 1 * * *", timeZone: Asia/Kolkata }
    sources:
      - { type: objects, includeNamespaces: [${ns}] }
      - { type: files, paths: [${join(s.dir, 'node')}] }
    history:
      path: ${history}
      files: ["${nodeFiles}/**"]
      sensitive: { configMapKeys: ["*password*"] }
      remote:
        url: ssh://${sshd().user}@127.0.0.1:${sshd().port}${bare}
        identityFile: ${sshd().identityFile}
        knownHostsFile: ${sshd().knownHostsFile}
`);
    await s.ok(['init', '--repo', repo]);
  };

  it('commits and tags each backup; an image change is one changed line; a failed push is kept and retried', async () => {
    await setUp();
    // The remote does not exist yet: the push fails, the commit stays.
    const first = await run();
    expect(first.result).toBe('partially-failed');
    expect(first.history).toMatchObject({ changed: true, pushed: false, unpushed: 1 });
    expect(first.history!.pushError).toContain('history.git');
    const snapshot = JSON.parse((await s.ok(['show', first.snapshot!, '--repo', repo, '--json'])).stdout) as { time: string };
    expect(first.history!.tag).toBe(kolkataMinute(snapshot.time));
    expect(readFileSync(join(history, ns, 'deployment.apps', 'web.yaml'), 'utf8')).toContain('image: nginx:1.27');
    // Root-only, as seed 000 wants: the tree and git's own files.
    expect(statSync(history).mode & 0o777).toBe(0o700);
    expect(statSync(join(history, ns, 'deployment.apps')).mode & 0o777).toBe(0o700);
    expect(statSync(join(history, ns, 'deployment.apps', 'web.yaml')).mode & 0o777).toBe(0o600);
    expect(execFileSync('find', [history, '-perm', '/077', '-print'], { encoding: 'utf8' })).toBe('');
    // Node files: secrets withheld, modes and owners beside them.
    const admin = readFileSync(join(history, '_files', nodeFiles, 'admin.conf'), 'utf8');
    expect(admin).toMatch(/client-key-data: hmac-sha256:[0-9a-f]{32}/);
    expect(admin).not.toContain(clientKey);
    expect(readFileSync(join(history, '_files.modes'), 'utf8')).toContain(`0600 0:0 file ${nodeFiles}/admin.conf`);

    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    kubectl(cluster().bed.kubeconfig, ['-n', ns, 'set', 'image', 'deployment/web', 'web=nginx:1.28']);
    const second = await run();
    expect(second.result).toBe('succeeded');
    expect(second.history).toMatchObject({ changed: true, pushed: true, unpushed: 0, added: 0, removed: 0, changedObjects: 1 });
    secondTag = second.history!.tag!;
    // git's own diff of the two tags, in the namespace: exactly the image line.
    const changedLines = git(history, ['diff', '--unified=0', first.history!.tag!, second.history!.tag!, '--', ns]).split('\n').filter((l) => /^[-+][^-+]/.test(l));
    expect(changedLines).toEqual(['-        - image: nginx:1.27', '+        - image: nginx:1.28']);
    // Both commits reached the remote, the tags too.
    expect(git(bare, ['rev-parse', 'refs/heads/main'])).toBe(git(history, ['rev-parse', 'HEAD']));
    expect(tagsOf(bare)).toEqual(tagsOf(history));

    const diff = JSON.parse((await s.ok(['history', 'diff', first.history!.tag!, second.history!.tag!, '--dir', history, '--json', '--', ns])).stdout) as { changed: { name: string; fields: { path: string; before: string; after: string }[] }[]; added: unknown[]; removed: unknown[] };
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([{ kind: 'object', name: `${ns}/deployment.apps/web`, change: 'changed', fields: [{ path: 'spec.template.spec.containers[0].image', before: 'nginx:1.27', after: 'nginx:1.28' }] }]);
    const text = (await s.ok(['history', 'diff', first.history!.tag!, second.history!.tag!, '--dir', history])).stdout;
    expect(text).toContain(`~ ${ns}/deployment.apps/web\n    spec.template.spec.containers[0].image: "nginx:1.27" → "nginx:1.28"`);
  });

  it('shows a changed Secret as a changed digest, and its value and base64 are in no git object', async () => {
    const before = tagsOf(history).size;
    kubectl(cluster().bed.kubeconfig, ['-n', ns, 'patch', 'secret', 'db', '-p', JSON.stringify({ stringData: { password: newSecretValue } })]);
    const third = await run();
    expect(third.history).toMatchObject({ changed: true, changedObjects: 1, pushed: true });
    expect(tagsOf(history).size).toBe(before + 1);
    const lines = git(history, ['diff', '--unified=0', secondTag, third.history!.tag!, '--', ns]).split('\n').filter((l) => /^[-+][^-+]/.test(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^- {2}password: hmac-sha256:[0-9a-f]{32}$/);
    expect(lines[1]).toMatch(/^\+ {2}password: hmac-sha256:[0-9a-f]{32}$/);
    // The ConfigMap key marked sensitive is a digest too.
    expect(readFileSync(join(history, ns, 'configmap', 'settings.yaml'), 'utf8')).toMatch(/db-password: hmac-sha256:/);
    git(history, ['-c', 'safe.directory=*', 'gc', '--quiet']);
    for (const gitDir of [join(history, '.git'), bare]) {
      const objects = allObjects(gitDir);
      expect(objects.length).toBeGreaterThan(1000);
      for (const value of [secretValue, newSecretValue, clientKey]) {
        expect(objects).not.toContain(value);
        expect(objects).not.toContain(Buffer.from(value).toString('base64'));
      }
    }
  });

  it('makes no commit for an unchanged cluster; status and log tell where the history stands', async () => {
    const head = git(history, ['rev-parse', 'HEAD']);
    const same = await run();
    expect(same.result).toBe('succeeded');
    expect(same.history).toMatchObject({ changed: false, pushed: true, unpushed: 0 });
    expect(same.history!.tag).toBeUndefined();
    expect(git(history, ['rev-parse', 'HEAD'])).toBe(head);
    const log = JSON.parse((await s.ok(['history', 'log', '--dir', history, '--json'])).stdout) as { tag: string; facts: { snapshot: string; objects: number; files: number } }[];
    expect(log.map((t) => t.tag)).toEqual([...tagsOf(history).keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
    expect(log.at(-1)!.facts.objects).toBeGreaterThanOrEqual(3);
    expect(log.at(-1)!.facts.files).toBe(2);
    const status = JSON.parse((await s.ok(['status', '--config', config, '--json'])).stdout) as { plan: string; history: { tags: number; lastTag: string; unpushed: number } }[];
    expect(status[0]!.history).toMatchObject({ tags: log.length, lastTag: log.at(-1)!.tag, unpushed: 0 });
  });

  it('never forces: a remote that moved on refuses, the commit stays, and no tag ever moved', async () => {
    // Someone else pushes to the remote's branch.
    const other = join(s.dir, 'other');
    execFileSync('git', ['clone', '--quiet', '--branch', 'main', bare, other]);
    git(other, ['-c', 'user.name=op', '-c', 'user.email=op@example.com', 'commit', '--quiet', '--allow-empty', '-m', 'a hand-made commit']);
    git(other, ['push', '--quiet', 'origin', 'HEAD:main']);
    const theirs = git(bare, ['rev-parse', 'refs/heads/main']);
    kubectl(cluster().bed.kubeconfig, ['-n', ns, 'scale', 'deployment/web', '--replicas=2']);
    const refused = await run();
    expect(refused.result).toBe('partially-failed');
    expect(refused.history).toMatchObject({ changed: true, pushed: false, unpushed: 1 });
    expect(refused.history!.pushError).toContain('never force-pushes');
    expect(git(bare, ['rev-parse', 'refs/heads/main'])).toBe(theirs);
    const status = JSON.parse((await s.ok(['status', '--config', config, '--json'])).stdout) as { history: { unpushed: number } }[];
    expect(status[0]!.history.unpushed).toBe(1);
    // Every tag names the commit it named when it was made.
    const last = tagHistory.at(-1)!;
    for (const earlier of tagHistory) for (const [tag, commit] of earlier) expect(last.get(tag)).toBe(commit);
  });

  it('refuses bad input by name, exit 2, and writes nothing', async () => {
    const busy = join(s.dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine\n');
    const notGit = await s.run(['history', 'export', 'latest', '--repo', repo, '--to', busy]);
    expect(notGit.code).toBe(2);
    expect(notGit.stderr).toContain(`--to: ${busy} is not empty and is not a git repository`);
    expect(readFileSync(join(busy, 'notes.txt'), 'utf8')).toBe('mine\n');
    const head = git(history, ['rev-parse', 'HEAD']);
    const unpinned = await s.run(['history', 'export', 'latest', '--repo', repo, '--to', history, '--remote', `ssh://root@127.0.0.1:${sshd().port}/x.git`]);
    expect(unpinned.code).toBe(2);
    expect(unpinned.stderr).toContain('--remote: a push over SSH needs identityFile: and knownHostsFile:');
    const leaky = await s.run(['history', 'export', 'latest', '--repo', repo, '--to', history, '--remote', 'https://user:secret@git.example.com/h.git']);
    expect(leaky.code).toBe(2);
    expect(leaky.stderr).toContain('--remote: the URL holds a password');
    expect(git(history, ['rev-parse', 'HEAD'])).toBe(head);
    const zone = await s.run(['history', 'export', 'latest', '--repo', repo, '--to', history, '--time-zone', 'Mars/Olympus']);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain('--time-zone Mars/Olympus');
    const noTag = await s.run(['history', 'diff', '991231-2359', 'HEAD', '--dir', history]);
    expect(noTag.code).toBe(2);
    expect(noTag.stderr).toContain('991231-2359: no such tag or commit');
    // `config check` (and doctor) check the remote's files like every other secret.
    const loose = join(s.dir, 'loose-token');
    writeFileSync(loose, 'x\n', { mode: 0o644 });
    const checked = join(s.dir, 'checked.yaml');
    writeFileSync(checked, `
repositories: { main: { url: ${repo} } }
plans:
  p:
    repository: main
    sources: [{ type: files, paths: [${s.dir}] }]
    history: { path: ${history}, remote: { url: "https://git.example.com/h.git", tokenFile: ${loose}, caFile: ${join(s.dir, 'missing-ca.crt')} } }
`);
    const check = await s.run(['config', 'check', '--config', checked]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`plans.p.history.remote.tokenFile: ${loose}`);
    expect(check.stderr).toContain('plans.p.history.remote.caFile');
    const notHistory = await s.run(['history', 'log', '--dir', busy]);
    expect(notHistory.code).toBe(2);
    expect(notHistory.stderr).toContain(`${busy} is not a history git repository`);
  });

  describe('over HTTPS with a token', () => {
    let server: GitHttpServer;
    const token = `tok-${randomBytes(8).toString('hex')}`;
    beforeAll(async () => {
      server = await startGitHttp(join(s.dir, 'git-http'), 'strata', token);
      execFileSync('git', ['init', '--quiet', '--bare', join(server.root, 'history.git')]);
    });
    afterAll(async () => server?.close());

    it('pushes with the token from a file, refuses a wrong one, and keeps the token out of git', async () => {
      const tokenFile = join(s.dir, 'token');
      const wrongFile = join(s.dir, 'wrong-token');
      writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
      writeFileSync(wrongFile, 'not-the-token\n', { mode: 0o600 });
      const target = join(s.dir, 'history-https');
      const exportTo = (file: string) => s.run(['history', 'export', 'latest', '--repo', repo, '--to', target, '--remote', `${server.url}history.git`, '--remote-token-file', file, '--remote-ca-file', server.caFile, '--json']);
      const wrong = await exportTo(wrongFile);
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toContain('the push failed');
      expect(server.refused()).toBeGreaterThan(0);
      const done = await exportTo(tokenFile);
      expect(done.code).toBe(0);
      const result = JSON.parse(done.stdout) as { changed: boolean; push: { pushed: boolean; unpushed: number } };
      // The commit of the first attempt is pushed now; this export changed nothing.
      expect(result).toMatchObject({ changed: false, push: { pushed: true, unpushed: 0 } });
      const remoteGit = join(server.root, 'history.git');
      expect(git(remoteGit, ['rev-parse', 'refs/heads/main'])).toBe(git(target, ['rev-parse', 'HEAD']));
      expect(tagsOf(remoteGit)).toEqual(tagsOf(target));
      expect(readFileSync(join(target, '.git', 'config'), 'utf8')).not.toContain(token);
      expect(allObjects(join(target, '.git'))).not.toContain(token);
      expect(done.stdout + done.stderr + wrong.stdout + wrong.stderr).not.toContain(token);
    });
  });
});
