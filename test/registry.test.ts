/**
 * The registry source on real registries (Debian's docker-registry 2.8.2 with TLS; htpasswd
 * on the backed-up one, token auth on the restore target), images made here and pushed
 * with skopeo: backup, delete and garbage-collect, restore, and skopeo pulls every digest;
 * a restore into another registry under new names; an unchanged second run fetches no
 * blob; selection by tags, newest N and platforms; show and diff; forget and prune drop
 * blobs no snapshot keeps; refused logins and a registry that goes away mid-run give a
 * partially-failed snapshot naming what was missed. The source conformance suite runs here.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repository } from '../src/repository/repository.ts';
import { LocalBackend } from '../src/storage/local.ts';
import { startRegistry, type TestRegistry } from '../testbed/registry.ts';
import { pullAll, pushImage, rawManifest, skopeo, tagDigests, type TestImage } from './helpers/oci-images.ts';
import { scratch, type Scratch } from './helpers/repo.ts';
import { sourceConformance, type Saved } from './helpers/source-conformance.ts';

const base = { 'os-release': 'ID=strata-test\n', 'base.txt': 'shared base layer\n'.repeat(2000) };
const webImage = (version: string, created: string): TestImage => ({
  created,
  platforms: [
    { architecture: 'amd64', layers: [base, { 'app.bin': `web ${version} for amd64\n` }] },
    { architecture: 'arm64', layers: [base, { 'app.bin': `web ${version} for arm64\n` }] },
  ],
});
const apiImage = (version: string, created: string): TestImage => ({ created, platforms: [{ architecture: 'amd64', layers: [base, { 'api.bin': randomBytes(512 * 1024), version }] }] });

interface Record_ {
  readonly url: string;
  readonly repositories: { name: string; tags: { tag: string; digest: string; platforms?: string[]; partial?: true }[] }[];
  readonly manifests: number;
  readonly blobs: number;
  readonly bytes: number;
  readonly fetched: { blobs: number; bytes: number };
  readonly missed: string[];
  readonly skipped: string[];
  readonly failed?: string;
}
type Snapshot = Omit<Saved, 'sources'> & { readonly parent?: string; readonly sources: readonly { type: string; record: Record_ }[] };
const recordOf = (s: Snapshot) => s.sources.find((x) => x.type === 'registry')!.record;

function passwordFile(dir: string, password: string): string {
  const file = join(dir, `password-${randomBytes(3).toString('hex')}`);
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
}

const account = (r: TestRegistry, password: string) => ['--registry-ca-file', r.caFile, '--registry-username', r.username, '--registry-password-file', password];

/** Bytes under a directory, recursively. */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(path) : statSync(path).size;
  }
  return total;
}

/**
 * A TCP relay in front of a registry that closes every connection, and stops listening, once
 * `limit` bytes came back from the registry: a registry that goes away in the middle of a run.
 */
async function cuttingRelay(port: number, limit: number): Promise<{ url: string; close(): void }> {
  let relayed = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(port);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      relayed += chunk.length;
      if (relayed > limit) {
        server.close();
        for (const s of sockets) s.destroy();
        return;
      }
      client.write(chunk);
    });
    for (const s of [client, upstream]) s.on('error', () => undefined).on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = server.address() as { port: number };
  return { url: `https://127.0.0.1:${relayPort}`, close: () => { server.close(); for (const s of sockets) s.destroy(); } };
}

describe('registry source on real registries', () => {
  const s = scratch();
  let dir: string;
  let source: TestRegistry;
  let target: TestRegistry;
  let sourcePassword: string;
  let targetPassword: string;
  const repo = () => join(s.dir, 'repo');
  const pushed = new Map<string, string>();

  const backup = async (args: readonly string[], to = repo()) => {
    const result = await s.run(['backup', '--repo', to, '--json', ...args]);
    return { code: result.code, stderr: result.stderr, snapshot: result.stdout === '' ? undefined : (JSON.parse(result.stdout) as Snapshot) };
  };
  const fromSource = () => ['--registry', source.url, ...account(source, sourcePassword)];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-registry-'));
    source = await startRegistry(join(dir, 'source'), { auth: 'htpasswd' });
    target = await startRegistry(join(dir, 'target'), { auth: 'token' });
    sourcePassword = passwordFile(s.dir, source.password);
    targetPassword = passwordFile(s.dir, target.password);
    pushed.set('team/web:1.0', await pushImage(source, 'team/web', '1.0', webImage('1.0', '2026-11-01T10:00:00Z')));
    pushed.set('team/web:1.1', await pushImage(source, 'team/web', '1.1', webImage('1.1', '2026-11-05T10:00:00Z')));
    pushed.set('team/api:2.0', await pushImage(source, 'team/api', '2.0', apiImage('2.0', '2026-11-02T10:00:00Z')));
    pushed.set('tools/debug:latest', await pushImage(source, 'tools/debug', 'latest', apiImage('debug', '2026-10-01T10:00:00Z')));
    await s.ok(['init', '--repo', repo()]);
  }, 600_000);

  afterAll(async () => {
    await source?.stop();
    await target?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('backs up every repository, each blob once; an unchanged second run fetches no blob; show lists tags and digests', async () => {
    const first = await backup(fromSource());
    expect(first.code, first.stderr).toBe(0);
    const record = recordOf(first.snapshot!);
    expect(first.snapshot!.result).toBe('completed');
    expect(record.repositories.map((r) => `${r.name}:${r.tags.map((t) => t.tag).join(',')}`)).toEqual(['team/api:2.0', 'team/web:1.0,1.1', 'tools/debug:latest']);
    for (const r of record.repositories) for (const t of r.tags) expect(t.digest).toBe(pushed.get(`${r.name}:${t.tag}`));
    expect(record.repositories[1]!.tags[0]!.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    // The base layer is shared by all six images: stored once. Manifests: 2 indexes + 4 web + api + debug.
    expect(record.manifests).toBe(8);
    // Blobs: base, 4 web app layers + 4 configs, api and debug layer + config each.
    expect(record.blobs).toBe(1 + 8 + 4);
    expect(record.fetched.blobs).toBe(record.blobs);

    const again = await backup(fromSource());
    expect(again.code, again.stderr).toBe(0);
    expect(recordOf(again.snapshot!).fetched).toEqual({ blobs: 0, bytes: 0 });
    expect(again.snapshot!.summary.newBytes).toBeLessThan(16 * 1024);
    expect(again.snapshot!.parent).toBe(first.snapshot!.id);

    const shown = (await s.ok(['show', again.snapshot!.id, '--repo', repo()])).stdout;
    expect(shown).toContain(`team/web:1.1  ${pushed.get('team/web:1.1')} (linux/amd64, linux/arm64)`);
    expect(shown).toContain(`tools/debug:latest  ${pushed.get('tools/debug:latest')}`);
    expect(shown).toMatch(/3 repositories, 4 tags, 8 manifests, 13 blobs/);
    expect((await s.ok(['snapshots', '--repo', repo()])).stdout).toContain('registry:4');
  }, 600_000);

  it('warns of a tag removed between the tag list and its manifest, and keeps the rest', async () => {
    await pushImage(source, 'team/web', 'gone', webImage('gone', '2026-11-03T10:00:00Z'));
    // The tag still lists (its folder is there) but its manifest link is not: as a tag deleted mid-run looks.
    rmSync(join(source.storage, 'docker/registry/v2/repositories/team/web/_manifests/tags/gone/current'), { recursive: true });
    await s.ok(['init', '--repo', join(s.dir, 'gone-repo')]);
    const again = await backup(fromSource(), join(s.dir, 'gone-repo'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.snapshot!.result).toBe('completed');
    expect(again.stderr).toMatch(/warning: registry 127\.0\.0\.1:\d+: skipped team\/web:gone: the tag was removed during the run/);
    expect(recordOf(again.snapshot!).repositories.find((r) => r.name === 'team/web')!.tags.map((t) => t.tag)).toEqual(['1.0', '1.1']);
    rmSync(join(source.storage, 'docker/registry/v2/repositories/team/web/_manifests/tags/gone'), { recursive: true });
  }, 600_000);

  it('restores after the repositories were deleted and garbage-collected: skopeo pulls every digest, byte-identical', async () => {
    const manifests = new Map<string, string>();
    for (const ref of pushed.keys()) manifests.set(ref, await rawManifest(source, ref));
    rmSync(join(source.storage, 'docker/registry/v2/repositories/team'), { recursive: true });
    await source.garbageCollect();
    await expect(rawManifest(source, 'team/web:1.0')).rejects.toThrow();
    const before = treeBytes(join(source.storage, 'docker/registry/v2/blobs'));

    const planned = await s.ok(['restore', 'latest', '--repo', repo(), '--registry', '--registry-repositories', 'team/*', ...account(source, sourcePassword), '--dry-run']);
    expect(planned.stdout).toMatch(/would restore 2 repositories of snapshot \w{8} into https:\/\/127\.0\.0\.1:\d+/);
    expect(planned.stdout).toMatch(/team\/web: 2 tags \(1\.0, 1\.1\), 6 manifests, 9 blobs \(0 present, 9 to send/);
    expect(await tagDigests(source, 'team/web')).toBe('absent');

    const done = await s.ok(['restore', 'latest', '--repo', repo(), '--registry', '--registry-repositories', 'team/*', ...account(source, sourcePassword), '--json']);
    // One source restored: its outcome is the whole document.
    const outcome = JSON.parse(done.stdout) as { blobs: number; mounted: number; skipped: number; tags: number };
    expect(outcome.tags).toBe(3);
    // The base layer went to one repository and was mounted into the other (api restores first).
    expect(outcome.mounted).toBe(1);
    expect(treeBytes(join(source.storage, 'docker/registry/v2/blobs'))).toBeGreaterThan(before);
    for (const ref of ['team/web:1.0', 'team/web:1.1', 'team/api:2.0']) {
      expect(await rawManifest(source, ref)).toBe(manifests.get(ref));
      await pullAll(source, ref);
    }
  }, 600_000);

  it('restores into another registry under new names; --dry-run changes nothing; a second restore sends nothing', async () => {
    const into = ['restore', 'latest', '--repo', repo(), '--registry', '--to', target.url, ...account(target, targetPassword), '--repository-mapping', 'team/web:dr/web,tools/debug:dr/debug'];
    await s.ok([...into, '--dry-run']);
    expect(await tagDigests(target, 'dr/web')).toBe('absent');
    const first = JSON.parse((await s.ok([...into, '--json'])).stdout) as { blobs: number; skipped: number; tags: number };
    expect(first.tags).toBe(4);
    expect(await tagDigests(target, 'dr/web')).toEqual({ '1.0': pushed.get('team/web:1.0'), '1.1': pushed.get('team/web:1.1') });
    expect(await tagDigests(target, 'team/api')).toEqual({ '2.0': pushed.get('team/api:2.0') });
    expect(await tagDigests(target, 'dr/debug')).toEqual({ latest: pushed.get('tools/debug:latest') });
    await pullAll(target, 'dr/web:1.1');
    const second = JSON.parse((await s.ok([...into, '--json'])).stdout) as { blobs: number; mounted: number };
    expect(second).toMatchObject({ blobs: 0, mounted: 0 });
    const refused = await s.run([...into.slice(0, -2), '--repository-mapping', 'Team:x']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--repository-mapping Team:x: expected OLD:NEW with two repository names');
  }, 600_000);

  it('gives back an OCI image layout with --target that skopeo reads', async () => {
    const out = join(s.dir, 'layout');
    await s.ok(['restore', 'latest', '--repo', repo(), '--target', out, '--include', '/registry']);
    const raw = (await promisify(execFile)(skopeo(), ['inspect', '--raw', `oci:${join(out, 'registry')}:team/web:1.1`], { encoding: 'utf8' })).stdout;
    expect(raw).toBe(await rawManifest(source, 'team/web:1.1'));
  }, 600_000);

  it('takes tags by expression, the newest N and chosen platforms; diff lists tags added, removed and re-pointed', async () => {
    const entry = join(s.dir, 'selected.yaml');
    writeFileSync(entry, stringify([{
      type: 'registry', url: source.url, caFile: source.caFile, username: source.username, passwordFile: sourcePassword,
      repositories: ['team/*'], tags: '\\d+\\..*', newest: 1, platforms: ['linux/amd64'],
    }]));
    await s.ok(['init', '--repo', join(s.dir, 'selected-repo')]);
    const run = await backup(['--source-file', entry], join(s.dir, 'selected-repo'));
    expect(run.code, run.stderr).toBe(0);
    const record = recordOf(run.snapshot!);
    expect(record.repositories).toEqual([
      { name: 'team/api', tags: [{ tag: '2.0', digest: pushed.get('team/api:2.0'), mediaType: 'application/vnd.oci.image.manifest.v1+json' }] },
      { name: 'team/web', tags: [{ tag: '1.1', digest: pushed.get('team/web:1.1'), mediaType: 'application/vnd.oci.image.index.v1+json', platforms: ['linux/amd64'], partial: true }] },
    ]);
    // web 1.1: index, amd64 manifest, its config and app layer, the base; api: manifest, config, two layers (base shared).
    expect(record.manifests).toBe(3);
    expect(record.blobs).toBe(5);

    const before = (await backup(fromSource())).snapshot!;
    pushed.set('team/web:1.0', await pushImage(source, 'team/web', '1.0', webImage('1.0-fixed', '2026-11-06T10:00:00Z')));
    await pushImage(source, 'team/web', '1.2', webImage('1.2', '2026-11-07T10:00:00Z'));
    rmSync(join(source.storage, 'docker/registry/v2/repositories/tools'), { recursive: true });
    const after = (await backup(fromSource())).snapshot!;
    const diff = (await s.ok(['diff', before.id, '--against', after.id, '--repo', repo()])).stdout;
    expect(diff).toContain('registry: 1 tags added, 1 removed, 1 re-pointed, 2 unchanged');
    expect(diff).toContain(`+ team/web:1.2 `);
    expect(diff).toContain(`- tools/debug:latest `);
    expect(diff).toMatch(/~ team\/web:1\.0 sha256:\w{12} → sha256:\w{12}/);
    const json = JSON.parse((await s.ok(['diff', before.id, '--against', after.id, '--repo', repo(), '--json'])).stdout) as { sources: { registry: { repointed: { tag: string; after: string }[] } } };
    expect(json.sources.registry.repointed).toEqual([expect.objectContaining({ tag: '1.0', after: pushed.get('team/web:1.0') })]);
    const exit = await s.run(['diff', before.id, '--against', after.id, '--repo', repo(), '--exit-code']);
    expect(exit.code).toBe(1);
  }, 600_000);

  it('backs up the CNCF distribution v3 and restores into 2.8 under new names; an index missing platforms tags the one kept', async () => {
    const v3 = await startRegistry(join(dir, 'v3'), { auth: 'token', version: 'v3' });
    try {
      const v3Password = passwordFile(s.dir, v3.password);
      const digests = {
        web: await pushImage(v3, 'apps/web', '3.0', webImage('3.0', '2026-11-09T10:00:00Z')),
        api: await pushImage(v3, 'apps/api', '3.0', apiImage('3.0', '2026-11-09T11:00:00Z')),
      };
      const from = join(s.dir, 'v3-repo');
      await s.ok(['init', '--repo', from]);
      const run = await backup(['--registry', v3.url, ...account(v3, v3Password)], from);
      expect(run.code, run.stderr).toBe(0);
      expect(recordOf(run.snapshot!).repositories.map((r) => r.name)).toEqual(['apps/api', 'apps/web']);
      await s.ok(['restore', 'latest', '--repo', from, '--registry', '--to', source.url, ...account(source, sourcePassword), '--repository-mapping', 'apps/web:from-v3/web,apps/api:from-v3/api']);
      expect(await tagDigests(source, 'from-v3/web')).toEqual({ '3.0': digests.web });
      expect(await tagDigests(source, 'from-v3/api')).toEqual({ '3.0': digests.api });
      expect(await rawManifest(source, 'from-v3/web:3.0')).toBe(await rawManifest(v3, 'apps/web:3.0'));
      await pullAll(source, 'from-v3/web:3.0');
      await pullAll(source, 'from-v3/api:3.0');

      // One platform of two kept: 2.8 refuses an index whose manifests are not all there; the tag then points at the one kept, said.
      const entry = join(s.dir, 'one-platform.yaml');
      writeFileSync(entry, stringify([{ type: 'registry', url: v3.url, caFile: v3.caFile, username: v3.username, passwordFile: v3Password, repositories: ['apps/web'], platforms: ['linux/arm64'] }]));
      const partial = join(s.dir, 'partial-repo');
      await s.ok(['init', '--repo', partial]);
      expect((await backup(['--source-file', entry], partial)).code).toBe(0);
      const restored = await s.ok(['restore', 'latest', '--repo', partial, '--registry', '--to', source.url, ...account(source, sourcePassword), '--repository-mapping', 'apps/web:partial/web']);
      const arm64 = (JSON.parse(await rawManifest(v3, 'apps/web:3.0')) as { manifests: { digest: string; platform: { architecture: string } }[] }).manifests.find((m) => m.platform.architecture === 'arm64')!.digest;
      expect(restored.stderr).toContain(`warning: partial/web:3.0: the registry refuses an index whose manifests are not all there (the backup kept only linux/arm64): the tag points at that platform's manifest ${arm64}`);
      expect(await tagDigests(source, 'partial/web')).toEqual({ '3.0': arm64 });
      await pullAll(source, 'partial/web:3.0');
    } finally {
      await v3.stop();
    }
  }, 600_000);

  it('forget and prune drop the blobs no kept snapshot holds', async () => {
    const pruned = join(s.dir, 'pruned-repo');
    await s.ok(['init', '--repo', pruned]);
    await pushImage(source, 'big/data', '1', { created: '2026-11-08T10:00:00Z', platforms: [{ architecture: 'amd64', layers: [{ 'big.bin': randomBytes(8 * 1024 * 1024) }] }] });
    expect((await backup(fromSource(), pruned)).code).toBe(0);
    // The gzip layer (a little over 8 MiB) is cut in fixed pieces of the largest chunk size, not by content.
    const repository = await Repository.open(new LocalBackend(pruned), { password: 'a-long-test-password' });
    await repository.loadIndex();
    const pieces = [...repository.index.entries('data')].filter((blob) => blob.rawLength === repository.config.chunker.maxSize);
    expect(pieces).toHaveLength(1);
    const kept = await backup([...fromSource(), '--registry-repositories', 'team/*'], pruned);
    expect(kept.code).toBe(0);
    const full = treeBytes(pruned);
    await s.ok(['forget', '--repo', pruned, '--keep-last', '1', '--prune']);
    expect(full - treeBytes(pruned)).toBeGreaterThan(8 * 1024 * 1024);
    await s.ok(['check', '--repo', pruned, '--read-data']);
    const left = JSON.parse((await s.ok(['snapshots', '--repo', pruned, '--json'])).stdout) as { id: string }[];
    expect(left.map((x) => x.id)).toEqual([kept.snapshot!.id]);
  }, 600_000);

  it('names a refused login, and a registry that goes away mid-run, in a partially-failed snapshot', async () => {
    const wrong = passwordFile(s.dir, 'not-the-password');
    const refused = await backup(['--registry', source.url, ...account(source, wrong)]);
    expect(refused.code).toBe(3);
    expect(refused.snapshot!.result).toBe('partially-failed');
    expect(recordOf(refused.snapshot!).failed).toMatch(/authentication failed: GET \/v2\/ still answered 401/);
    expect(refused.stderr).toMatch(/registry 127\.0\.0\.1:\d+: nothing backed up: authentication failed: /);

    // A fresh repository, so that every blob must be fetched: the relay cuts the registry off after 2 MB.
    const cut = join(s.dir, 'cut-repo');
    await s.ok(['init', '--repo', cut]);
    const relay = await cuttingRelay(Number(new URL(source.url).port), 2 * 1024 * 1024);
    try {
      const gone = await backup(['--registry', relay.url, ...account(source, sourcePassword), '--registry-repositories', 'big/*', '--registry-repositories', 'team/*'], cut);
      expect(gone.code, gone.stderr).toBe(3);
      const record = recordOf(gone.snapshot!);
      expect(gone.snapshot!.result).toBe('partially-failed');
      expect(record.missed.join('\n')).toMatch(/big\/data:1: /);
      expect(gone.stderr).toMatch(/registry 127\.0\.0\.1:\d+: missed big\/data:1: /);
      await s.ok(['check', '--repo', cut]);
    } finally {
      relay.close();
    }
  }, 600_000);
});

/** The source conformance suite on its own pair of registries. */
describe('registry source conformance', () => {
  let dir: string;
  let source: TestRegistry;
  let target: TestRegistry;
  let sourcePassword = '';
  let targetPassword = '';
  const repositories = ['shop/web', 'shop/api'];

  afterAll(async () => {
    await source?.stop();
    await target?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const read = async (r: TestRegistry, names: readonly string[]) => Object.fromEntries(await Promise.all(names.map(async (n) => [n, await tagDigests(r, n)] as const)));

  sourceConformance(() => ({
    type: 'registry',
    async prepare(s: Scratch) {
      dir = mkdtempSync(join(tmpdir(), 'strata-registry-conf-'));
      source = await startRegistry(join(dir, 'source'), { auth: 'htpasswd' });
      target = await startRegistry(join(dir, 'target'), { auth: 'token' });
      sourcePassword = passwordFile(s.dir, source.password);
      targetPassword = passwordFile(s.dir, target.password);
      await pushImage(source, 'shop/web', '1', webImage('1', '2026-11-01T10:00:00Z'));
      await pushImage(source, 'shop/web', '2', webImage('2', '2026-11-02T10:00:00Z'));
      await pushImage(source, 'shop/api', '1', apiImage('1', '2026-11-03T10:00:00Z'));
    },
    backupArgs: () => ['--registry', source.url, ...account(source, sourcePassword), '--registry-repositories', 'shop/*'],
    async restoreInto(_s, repo, id) {
      const prefix = `r${randomBytes(3).toString('hex')}`;
      const mapping = repositories.map((r) => `${r}:${prefix}/${r}`).join(',');
      return {
        args: [id, '--repo', repo, '--registry', '--to', target.url, ...account(target, targetPassword), '--repository-mapping', mapping],
        read: async () => {
          const got = await read(target, repositories.map((r) => `${prefix}/${r}`));
          return Object.fromEntries(repositories.map((r) => [r, got[`${prefix}/${r}`]]));
        },
      };
    },
    original: () => read(source, repositories),
    unchangedBytes: 16 * 1024,
    async failing() {
      // A layer whose stored bytes were damaged on the registry's disk: served, and its digest fails.
      await pushImage(source, 'shop/broken', '1', { created: '2026-11-04T10:00:00Z', platforms: [{ architecture: 'amd64', layers: [{ 'x.bin': randomBytes(64 * 1024) }] }] });
      const layer = (JSON.parse(await rawManifest(source, 'shop/broken:1')) as { layers: { digest: string }[] }).layers[0]!.digest.slice(7);
      const data = join(source.storage, 'docker/registry/v2/blobs/sha256', layer.slice(0, 2), layer, 'data');
      writeFileSync(data, randomBytes(statSync(data).size));
      return { args: ['--registry', source.url, ...account(source, sourcePassword), '--registry-repositories', 'shop/*'], item: /shop\/broken:1/ };
    },
  }));
});
