/**
 * Every registered source runs the source conformance suite (helpers/source-conformance.ts)
 * on one test-bed cluster: etcd (its real member), API objects (a namespace of config maps
 * and secrets), volumes (a hostPath claim read as files) and files (a generated tree).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../src/sources/registry.ts';
import { binary } from '../testbed/binaries.ts';
import { freePort } from '../testbed/processes.ts';
import { userKubeconfig } from '../testbed/testbed.ts';
import { describeTree, generateTree } from './helpers/file-tree.ts';
import { scratch } from './helpers/repo.ts';
import { sourceConformance } from './helpers/source-conformance.ts';
import { useCluster } from './helpers/testbed.ts';
import { claim, eventually, getJson, hostPathVolume, kubectl } from './helpers/workloads.ts';

const KiB = 1024;

describe('source conformance on the test bed', () => {
  const cluster = useCluster({ name: 'conformance' });
  const kc = () => cluster().bed.kubeconfig;
  const namespace = `conf-${randomBytes(3).toString('hex')}`;
  const ensureNamespace = () => {
    if (!kubectl(kc(), ['get', 'namespace', '-o', 'name']).includes(`namespace/${namespace}\n`)) kubectl(kc(), ['create', 'namespace', namespace]);
  };

  it('covers every registered source', () => {
    // swarm runs the suite on its own test bed of Docker Engines (test/swarm.test.ts), command
    // beside its own tests (test/command-source.test.ts), mke and msr beside the fakes of
    // MKE and MSR (test/mirantis.test.ts), registry on its registries (test/registry.test.ts).
    expect(SOURCES.map((s) => s.type).sort()).toEqual(['command', 'etcd', 'files', 'mke', 'msr', 'objects', 'registry', 'swarm', 'volumes']);
  });

  it('restores several sources of one snapshot at once, all planned before anything changes', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    const tree = join(s.dir, 'tree');
    generateTree(tree, { smallFiles: 200, largeFiles: 1, largeSize: 1024 * KiB });
    ensureNamespace();
    kubectl(kc(), ['-n', namespace, 'create', 'configmap', 'several', '--from-literal=which=several']);
    await s.ok(['init', '--repo', repo]);
    const { id } = JSON.parse((await s.ok(['backup', '--repo', repo, '--json', '--files', tree, '--objects', '--kubeconfig', kc(), '--include-namespaces', namespace, '--no-cluster-scoped'])).stdout) as { id: string };
    kubectl(kc(), ['-n', namespace, 'delete', 'configmap', 'several']);
    const target = join(s.dir, 'target');
    const both = [id, '--repo', repo, '--target', target, '--objects', '--kubeconfig', kc(), '--include-namespaces', namespace];
    const planned = JSON.parse((await s.ok(['restore', ...both, '--dry-run', '--json'])).stdout) as { restores: { files: { files: number } } & Record<string, unknown> };
    expect(Object.keys(planned.restores).sort()).toEqual(['files', 'objects']);
    // The files plan fails (nothing matches): the objects, planned first, are not applied either.
    const refused = await s.run(['restore', ...both, '--include', '/no/such/path']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('matches --include /no/such/path');
    expect(existsSync(target)).toBe(false);
    expect(kubectl(kc(), ['-n', namespace, 'get', 'configmaps', '-o', 'name'])).not.toContain('configmap/several');
    const done = JSON.parse((await s.ok(['restore', ...both, '--json'])).stdout) as { restores: { files: { files: number }; objects: { counts: { created: number } } } };
    // --target writes the whole tree: the files, and the objects' stored JSON under /objects.
    expect(done.restores.files.files).toBe(planned.restores.files.files);
    expect(done.restores.files.files).toBeGreaterThan([...describeTree(tree).values()].filter((e) => e.type === 'file').length);
    expect(done.restores.objects.counts.created).toBeGreaterThanOrEqual(1);
    expect(describeTree(join(target, 'files', tree))).toEqual(describeTree(tree));
    expect(kubectl(kc(), ['-n', namespace, 'get', 'configmap', 'several', '-o', 'jsonpath={.data.which}'])).toBe('several');
  }, 600_000);

  sourceConformance(() => {
    let tree = '';
    return {
      type: 'files',
      async prepare(s) {
        tree = join(s.dir, 'tree');
        generateTree(tree, { smallFiles: 2_000, largeFiles: 4, largeSize: 8 * 1024 * KiB });
      },
      backupArgs: () => ['--files', tree],
      async restoreInto(s, repo, id) {
        const target = join(s.dir, `restored-${randomBytes(3).toString('hex')}`);
        const restored = join(target, 'files', tree);
        return { args: [id, '--repo', repo, '--target', target], read: async () => (existsSync(restored) ? describeTree(restored) : 'absent') };
      },
      original: () => describeTree(tree),
      unchangedBytes: 64 * KiB,
      // Root reads every file; a process's memory at address 0 still fails (EIO).
      failing: async () => ({ args: ['--files', tree, `/proc/${process.pid}/mem`], item: new RegExp(`/proc/${process.pid}/mem`) }),
    };
  });

  sourceConformance(() => {
    const data = new Map<string, Record<string, string>>();
    const live = async () => {
      const items = getJson<{ items: { metadata: { name: string }; data: Record<string, string> }[] }>(kc(), ['-n', namespace, 'configmaps,secrets', '-l', 'conformance=yes']).items;
      return new Map(items.map((i) => [i.metadata.name, i.data]));
    };
    return {
      type: 'objects',
      async prepare() {
        ensureNamespace();
        const items = [];
        for (let i = 0; i < 300; i++) {
          const value = { value: randomBytes(200).toString('base64') };
          data.set(`cm-${i}`, value);
          items.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace, labels: { conformance: 'yes' } }, data: value });
        }
        for (let i = 0; i < 20; i++) {
          const value = { token: randomBytes(24).toString('base64') };
          data.set(`secret-${i}`, value);
          items.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}`, namespace, labels: { conformance: 'yes' } }, data: value });
        }
        kubectl(kc(), ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
      },
      backupArgs: () => ['--objects', '--kubeconfig', kc(), '--include-namespaces', namespace, '--no-cluster-scoped'],
      // Into the same namespace, its objects deleted first.
      async restoreInto(_s, repo, id) {
        kubectl(kc(), ['-n', namespace, 'delete', 'configmaps,secrets', '-l', 'conformance=yes', '--wait=false']);
        return { args: [id, '--repo', repo, '--objects', '--kubeconfig', kc(), '--include-namespaces', namespace], read: live };
      },
      original: () => data,
      unchangedBytes: 64 * KiB,
      async failing() {
        // An identity that may read the namespace's config maps but not its secrets.
        const name = `conformance-${randomBytes(3).toString('hex')}`;
        const user = userKubeconfig(cluster().bed, name);
        kubectl(kc(), ['create', 'clusterrole', name, '--verb=list,get', '--resource=namespaces']);
        kubectl(kc(), ['create', 'clusterrolebinding', name, `--clusterrole=${name}`, `--user=${name}`]);
        kubectl(kc(), ['-n', namespace, 'create', 'role', name, '--verb=list,get', '--resource=configmaps,serviceaccounts']);
        kubectl(kc(), ['-n', namespace, 'create', 'rolebinding', name, `--role=${name}`, `--user=${name}`]);
        return { args: ['--objects', '--kubeconfig', user, '--include-namespaces', namespace, '--no-cluster-scoped'], item: /secrets/ };
      },
    };
  });

  sourceConformance(() => {
    let directory = '';
    let scratchDir = '';
    const claimOn = (name: string, path: string) => {
      mkdirSync(path, { recursive: true });
      kubectl(kc(), ['apply', '-f', '-'], `${hostPathVolume({ name: `${namespace}-${name}`, namespace, claim: name, path, storageClass: 'conformance' })}\n${claim({ name, namespace, storageClass: 'conformance', volume: `${namespace}-${name}` })}`);
    };
    const bound = (name: string) => eventually(`claim ${name} to bind`, () => getJson<{ status?: { phase?: string } }>(kc(), ['-n', namespace, 'pvc', name]).status?.phase === 'Bound', 60_000);
    return {
      type: 'volumes',
      async prepare(s) {
        ensureNamespace();
        scratchDir = s.dir;
        directory = join(s.dir, 'volume');
        generateTree(directory, { smallFiles: 1_000, largeFiles: 2, largeSize: 4 * 1024 * KiB });
        claimOn('data', directory);
        await bound('data');
      },
      backupArgs: () => ['--volumes', '--kubeconfig', kc(), '--pvc', `${namespace}/data`, '--volume-mode', 'files'],
      // Into a new claim's empty directory.
      async restoreInto(_s, repo, id) {
        const name = `copy-${randomBytes(3).toString('hex')}`;
        const into = join(scratchDir, name);
        claimOn(name, into);
        await bound(name);
        return { args: [id, '--repo', repo, '--volumes', '--kubeconfig', kc(), '--pvc', `${namespace}/data`, '--into-pvc', `${namespace}/${name}`], read: async () => describeTree(into) };
      },
      original: () => describeTree(directory),
      unchangedBytes: 64 * KiB,
      async failing() {
        // A claim whose node directory is gone: recorded and named, the other claim stored.
        claimOn('gone', join(scratchDir, 'gone'));
        await bound('gone');
        execFileSync('rm', ['-rf', join(scratchDir, 'gone')]);
        return { args: ['--volumes', '--kubeconfig', kc(), '--pvc', `${namespace}/data`, '--pvc', `${namespace}/gone`, '--volume-mode', 'files'], item: new RegExp(`${namespace}/gone`) };
      },
    };
  });

  sourceConformance(() => {
    const marker = `conformance-${randomBytes(8).toString('hex')}`;
    const key = () => `/registry/configmaps/${namespace}/etcd-marker`;
    const etcdctl = (endpoint: string, args: readonly string[]) => execFileSync(binary('etcd', 'etcdctl'), ['--endpoints', endpoint, '--dial-timeout', '3s', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return {
      type: 'etcd',
      async prepare() {
        ensureNamespace();
        kubectl(kc(), ['-n', namespace, 'create', 'configmap', 'etcd-marker', `--from-literal=marker=${marker}`]);
      },
      backupArgs: () => ['--etcd', '--etcd-endpoints', cluster().bed.etcd.endpoints.join(',')],
      /** A member built from the snapshot into a new data directory, started on its own ports, asked for the marker. */
      async restoreInto(s, repo, id) {
        const [peer, client] = [await freePort(), await freePort()];
        const dataDir = join(s.dir, `member-${randomBytes(3).toString('hex')}`);
        const peerUrl = `http://127.0.0.1:${peer}`;
        const read = async () => {
          if (!existsSync(dataDir)) return 'no data directory';
          const endpoint = `http://127.0.0.1:${client}`;
          const member = spawn(binary('etcd', 'etcd'), ['--name', 'restored', '--data-dir', dataDir, '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `restored=${peerUrl}`, '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint], { stdio: 'ignore' });
          try {
            await eventually('the restored member to serve', () => {
              try {
                etcdctl(endpoint, ['endpoint', 'health']);
                return true;
              } catch {
                return false;
              }
            }, 60_000);
            return { marker: etcdctl(endpoint, ['get', key(), '--print-value-only']).includes(marker) ? marker : 'missing' };
          } finally {
            member.kill('SIGTERM');
            await new Promise((resolve) => (member.exitCode !== null ? resolve(undefined) : member.on('exit', resolve)));
          }
        };
        return { args: [id, '--repo', repo, '--etcd', '--name', 'restored', '--initial-cluster', `restored=${peerUrl}`, '--initial-advertise-peer-urls', peerUrl, '--data-dir', dataDir, '--etcdutl', binary('etcd', 'etcdutl')], read };
      },
      original: () => ({ marker }),
      // The API server writes leases and events all the time: the pages they touch are new.
      unchangedBytes: 2 * 1024 * KiB,
      failing: async () => ({ args: ['--etcd', '--etcd-endpoints', 'http://127.0.0.1:9'], item: /127\.0\.0\.1:9/, whole: true }),
    };
  });
});
