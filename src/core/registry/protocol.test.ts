import { describe, expect, it } from 'vitest';
import { DOCKER_LIST, DOCKER_MANIFEST, isOpaqueBlob, manifestRefs, OCI_INDEX, OCI_MANIFEST } from './media-types.ts';
import { digestParts, isDigest, isRepositoryName, isTag, nextLink, parseChallenge } from './protocol.ts';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('distribution protocol pieces', () => {
  it('reads Bearer and Basic challenges, quoted commas and escapes included', () => {
    expect(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', params: { realm: 'Registry Realm' } });
    expect(parseChallenge('Bearer realm=https://x/token, service=reg')).toEqual({ scheme: 'bearer', params: { realm: 'https://x/token', service: 'reg' } });
    expect(parseChallenge('Bearer realm="a\\"b"')?.params['realm']).toBe('a"b');
  });

  it('follows Link rel=next relative to the request', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', 'https://r:5000/v2/_catalog?n=2')).toBe('https://r:5000/v2/_catalog?last=b&n=2');
    expect(nextLink('<https://other/v2/x/tags/list?last=t>; rel=next', 'https://r/v2/x/tags/list')).toBe('https://other/v2/x/tags/list?last=t');
    expect(nextLink('</v2/_catalog?last=b>; rel="prev"', 'https://r/')).toBeUndefined();
    expect(nextLink(undefined, 'https://r/')).toBeUndefined();
  });

  it('checks digests, repository names and tags', () => {
    expect(isDigest(d(1))).toBe(true);
    expect(isDigest('sha256:ABC')).toBe(false);
    expect(digestParts(d(2))).toEqual({ algorithm: 'sha256', hex: '2'.repeat(64) });
    expect(isRepositoryName('team/app-1/web')).toBe(true);
    expect(isRepositoryName('Team/App')).toBe(false);
    expect(isRepositoryName('a//b')).toBe(false);
    expect(isTag('v1.2.3-rc_1')).toBe(true);
    expect(isTag('.hidden')).toBe(false);
  });

  it('names what each manifest refers to, children of an index and blobs of an image', () => {
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: d(1), size: 10, platform: { os: 'linux', architecture: 'amd64' } }] };
    expect(manifestRefs(OCI_INDEX, index)).toEqual({ kind: 'index', manifests: index.manifests, blobs: [] });
    expect(manifestRefs(DOCKER_LIST, { manifests: [] }).kind).toBe('index');
    const image = { schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: d(2), size: 5 }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d(3), size: 7 }] };
    expect(manifestRefs('application/json', image)).toMatchObject({ kind: 'image', blobs: [image.config, image.layers[0]] });
    expect(manifestRefs('application/vnd.docker.distribution.manifest.v1+prettyjws', {}).kind).toBe('schema1');
  });

  it('tells compressed and encrypted blobs (cut in fixed pieces) from the rest (cut by content)', () => {
    for (const compressed of [
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+zstd',
      'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
      'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
      'application/gzip',
      'application/vnd.oci.image.layer.v1.tar+gzip+encrypted',
      'application/vnd.oci.image.layer.v1.tar+encrypted',
    ]) expect(isOpaqueBlob(compressed), compressed).toBe(true);
    for (const plain of [
      'application/vnd.oci.image.layer.v1.tar',
      'application/vnd.oci.image.config.v1+json',
      'application/vnd.docker.container.image.v1+json',
      'application/vnd.cncf.helm.config.v1+json',
      'text/plain; gzip',
    ]) expect(isOpaqueBlob(plain), plain).toBe(false);
  });
});
