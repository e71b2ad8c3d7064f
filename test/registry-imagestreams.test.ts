/**
 * OpenShift ImageStreams and the registry source, on the test bed's cluster with a
 * test-only ImageStream CRD (testbed/imagestream-crd.yaml, written from OpenShift's API
 * reference) and a real registry: `from: imagestreams` takes exactly the images the streams'
 * tags point at in the integrated registry, under the streams' tag names, in the namespaces
 * chosen; one snapshot with the project's objects restores the project and its images together.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startRegistry, type TestRegistry } from '../testbed/registry.ts';
import { pullAll, pushImage, tagDigests, type TestImage } from './helpers/oci-images.ts';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, getJson, kubectl } from './helpers/workloads.ts';

const crd = fileURLToPath(new URL('../testbed/imagestream-crd.yaml', import.meta.url));
const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';

const image = (name: string): TestImage => ({ created: '2026-11-10T10:00:00Z', platforms: [{ architecture: 'amd64', layers: [{ 'base.txt': 'base\n'.repeat(500) }, { 'app.txt': `${name}\n` }] }] });

function stream(namespace: string, name: string, tags: Record<string, string>) {
  return {
    apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { namespace, name },
    spec: { lookupPolicy: { local: false } },
    status: {
      dockerImageRepository: `${INTERNAL}/${namespace}/${name}`,
      tags: Object.entries(tags).map(([tag, reference]) => ({ tag, items: [{ created: '2026-11-10T10:00:00Z', dockerImageReference: reference, image: reference.slice(reference.indexOf('@') + 1), generation: 1 }] })),
    },
  };
}

describe('ImageStreams with the registry source', () => {
  const cluster = useCluster({ name: 'imagestreams' });
  const kc = () => cluster().bed.kubeconfig;
  const s = scratch();
  const project = `is-${randomBytes(3).toString('hex')}`;
  const other = `is-${randomBytes(3).toString('hex')}`;
  let registry: TestRegistry;
  let password = '';

  beforeAll(async () => {
    registry = await startRegistry(join(s.dir, 'registry'), { auth: 'htpasswd' });
    password = join(s.dir, 'registry-password');
    writeFileSync(password, `${registry.password}\n`, { mode: 0o600 });
  }, 600_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it('backs up the images the streams point at, with the project\'s objects, and restores both together', async () => {
    kubectl(kc(), ['apply', '-f', crd]);
    kubectl(kc(), ['wait', '--for=condition=Established', 'crd/imagestreams.image.openshift.io', '--timeout=60s']);
    for (const ns of [project, other]) kubectl(kc(), ['create', 'namespace', ns]);
    const stable = await pushImage(registry, `${project}/web`, '1.0', image('web 1.0'));
    const latest = await pushImage(registry, `${project}/web`, '1.1', image('web 1.1'));
    await pushImage(registry, `${project}/unreferenced`, '1', image('no stream points here'));
    const api = await pushImage(registry, `${other}/api`, '2.0', image('api 2.0'));
    const external = `quay.io/example/tool@sha256:${'ab'.repeat(32)}`;
    kubectl(kc(), ['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'List',
      items: [
        stream(project, 'web', { stable: `${INTERNAL}/${project}/web@${stable}`, latest: `${INTERNAL}/${project}/web@${latest}`, tool: external }),
        stream(other, 'api', { '2.0': `${INTERNAL}/${other}/api@${api}` }),
      ],
    }));

    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const entry = join(s.dir, 'streams.yaml');
    writeFileSync(entry, stringify([{ type: 'registry', url: registry.url, caFile: registry.caFile, username: registry.username, passwordFile: password, from: 'imagestreams', namespaces: [project] }]));
    const run = await s.run(['backup', '--repo', repo, '--json', '--source-file', entry, '--objects', '--kubeconfig', kc(), '--include-namespaces', project]);
    expect(run.code, run.stderr).toBe(0);
    const saved = JSON.parse(run.stdout) as { sources: { type: string; record: { repositories: unknown[]; skipped: string[] } }[] };
    const record = saved.sources.find((x) => x.type === 'registry')!.record;
    // The streams' tag names, the digests they point at; not the registry's tags, not other namespaces, not unreferenced images.
    expect(record.repositories).toEqual([{ name: `${project}/web`, tags: [
      { tag: 'latest', digest: latest, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
      { tag: 'stable', digest: stable, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
    ] }]);
    expect(record.skipped).toEqual([`${project}/web:tool → ${external} (not in this registry)`]);

    // The project is lost: its objects, and its images from the registry's storage.
    kubectl(kc(), ['delete', 'namespace', project, '--wait=true', '--timeout=120s']);
    rmSync(join(registry.storage, 'docker/registry/v2/repositories', project), { recursive: true });
    await registry.garbageCollect();
    expect(await tagDigests(registry, `${project}/web`)).toBe('absent');

    const restored = await s.run(['restore', 'latest', '--repo', repo, '--objects', '--kubeconfig', kc(), '--include-namespaces', project,
      '--registry', '--registry-ca-file', registry.caFile, '--registry-username', registry.username, '--registry-password-file', password]);
    expect(restored.code, `${restored.stdout}\n${restored.stderr}`).toBe(0);
    await eventually('the ImageStream is back', () => kubectl(kc(), ['-n', project, 'get', 'imagestreams.image.openshift.io', '-o', 'name']).includes('imagestream.image.openshift.io/web'));
    expect(getJson(kc(), ['-n', project, 'imagestreams.image.openshift.io', 'web']).spec).toEqual({ lookupPolicy: { local: false } });
    expect(await tagDigests(registry, `${project}/web`)).toEqual({ latest, stable });
    await pullAll(registry, `${project}/web:stable`);
    expect(await tagDigests(registry, `${project}/unreferenced`)).toBe('absent');
  }, 600_000);
});
