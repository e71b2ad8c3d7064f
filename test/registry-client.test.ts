/**
 * The OCI distribution client against real registries (Debian's docker-registry 2.8.2, TLS
 * from a private CA): htpasswd and token authentication, wrong credentials refused by
 * name, paged catalog and tag lists, an index and its platforms, blobs verified as they
 * stream, and a copy into another registry under a new name — blobs skipped when present,
 * mounted across repositories, uploaded whole or streamed — that skopeo then pulls with
 * every digest checked and reads back byte for byte.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestRefs } from '../src/core/registry/media-types.ts';
import { RegistryClient, verifying } from '../src/sources/registry/client.ts';
import { startRegistry, type TestRegistry } from '../testbed/registry.ts';
import { pullAll, pushImage, rawManifest, type TestImage } from './helpers/oci-images.ts';

const base = { 'os-release': 'ID=strata-test\n', 'base.txt': 'shared base layer\n'.repeat(1000) };
const web: TestImage = {
  created: '2026-11-01T10:00:00Z',
  platforms: [
    { architecture: 'amd64', layers: [base, { 'app.bin': 'web for amd64\n' }] },
    { architecture: 'arm64', layers: [base, { 'app.bin': 'web for arm64\n' }] },
  ],
};
// Random bytes do not compress: one layer above the client's one-PUT limit, streamed in a PATCH.
const api: TestImage = { created: '2026-11-02T10:00:00Z', platforms: [{ architecture: 'amd64', layers: [base, { 'big.bin': randomBytes(33 * 1024 * 1024) }] }] };

describe('OCI distribution client on real registries', () => {
  let dir: string;
  let basic: TestRegistry;
  let token: TestRegistry;
  const clients: RegistryClient[] = [];
  const client = (r: TestRegistry, password = r.password) => {
    const c = new RegistryClient({ url: r.url, caFile: r.caFile, username: r.username, password, field: 'registry' });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-registries-'));
    basic = await startRegistry(join(dir, 'basic'), { auth: 'htpasswd' });
    token = await startRegistry(join(dir, 'token'), { auth: 'token' });
    await pushImage(basic, 'team/web', '1.0', web);
    await pushImage(basic, 'team/api', '2.0', api);
    for (const tag of ['a', 'b', 'c']) await pushImage(basic, 'team/web', tag, web);
  }, 600_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await basic?.stop();
    await token?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('answers Basic and token challenges, and names a refused login', async () => {
    await client(basic).ping();
    await client(token).ping();
    await expect(client(basic, 'wrong').ping()).rejects.toThrow(/registry 127\.0\.0\.1:\d+: authentication failed/);
    await expect(client(token, 'wrong').ping()).rejects.toThrow(/token server .* refused as strata/);
    const anonymous = new RegistryClient({ url: basic.url, caFile: basic.caFile, field: 'registry' });
    clients.push(anonymous);
    await expect(anonymous.ping()).rejects.toThrow(/wants a user name and password \(Basic\) and none was given/);
  });

  it('pages the catalog and tag lists by Link', async () => {
    const c = client(basic);
    const repositories: string[] = [];
    for await (const r of c.catalog(1)) repositories.push(r);
    expect(repositories).toEqual(['team/api', 'team/web']);
    const tags: string[] = [];
    for await (const t of c.tags('team/web', 2)) tags.push(t);
    expect(tags.sort()).toEqual(['1.0', 'a', 'b', 'c']);
  });

  it('reads an index, its platforms and their blobs, each digest checked', async () => {
    const c = client(basic);
    const top = (await c.manifest('team/web', '1.0'))!;
    expect(top.bytes.toString('utf8')).toBe(await rawManifest(basic, 'team/web:1.0'));
    const refs = manifestRefs(top.mediaType, JSON.parse(top.bytes.toString('utf8')));
    expect(refs.kind).toBe('index');
    expect(refs.manifests.map((m) => m.platform?.architecture)).toEqual(['amd64', 'arm64']);
    const child = (await c.manifest('team/web', refs.manifests[0]!.digest))!;
    expect(child.digest).toBe(refs.manifests[0]!.digest);
    for (const blob of manifestRefs(child.mediaType, JSON.parse(child.bytes.toString('utf8'))).blobs) {
      const { stream } = await c.blob('team/web', blob.digest);
      let size = 0;
      for await (const chunk of stream) size += (chunk as Buffer).length;
      expect(size).toBe(blob.size);
      expect(await c.hasBlob('team/web', blob.digest)).toBe(true);
    }
    expect(await c.manifest('team/web', 'no-such-tag')).toBeUndefined();
    // A stream whose bytes do not hash to the digest fails at its end.
    const wrong = Readable.from([Buffer.from('not the blob')]).pipe(verifying(`sha256:${'0'.repeat(64)}`, 'test blob'));
    await expect((async () => { for await (const _ of wrong) void _; })()).rejects.toThrow(/hash to sha256:[0-9a-f]{64}, not sha256:0{64}/);
  });

  it('copies into another registry under new names: skip, mount, upload, manifests children first', async () => {
    const from = client(basic);
    const to = client(token);
    const copy = async (source: string, tag: string, target: string, mountFrom?: string) => {
      const top = (await from.manifest(source, tag))!;
      const refs = manifestRefs(top.mediaType, JSON.parse(top.bytes.toString('utf8')));
      const children = refs.kind === 'index' ? await Promise.all(refs.manifests.map(async (m) => (await from.manifest(source, m.digest))!)) : [top];
      let uploaded = 0;
      let mounted = 0;
      for (const manifest of children) {
        for (const blob of manifestRefs(manifest.mediaType, JSON.parse(manifest.bytes.toString('utf8'))).blobs) {
          if (await to.hasBlob(target, blob.digest)) continue;
          if (mountFrom !== undefined && (await to.mountBlob(target, blob.digest, mountFrom))) {
            mounted++;
            continue;
          }
          await to.uploadBlob(target, blob.digest, blob.size, async () => (await from.blob(source, blob.digest)).stream);
          uploaded++;
        }
        if (manifest !== top) await to.putManifest(target, manifest.digest, manifest);
      }
      await to.putManifest(target, tag, top);
      return { uploaded, mounted };
    };
    // Both platforms share the base layer: four layers and two configs, five distinct blobs.
    expect(await copy('team/web', '1.0', 'copied/web')).toEqual({ uploaded: 5, mounted: 0 });
    // The base layer is mounted from copied/web; the 33 MiB layer and the config are uploaded.
    expect(await copy('team/api', '2.0', 'copied/api', 'copied/web')).toEqual({ uploaded: 2, mounted: 1 });
    // Again: every blob is there already.
    expect(await copy('team/web', '1.0', 'copied/web')).toEqual({ uploaded: 0, mounted: 0 });
    expect(await rawManifest(token, 'copied/web:1.0')).toBe(await rawManifest(basic, 'team/web:1.0'));
    expect(await rawManifest(token, 'copied/api:2.0')).toBe(await rawManifest(basic, 'team/api:2.0'));
    await pullAll(token, 'copied/web:1.0');
    await pullAll(token, 'copied/api:2.0');
  });
});
