/**
 * SIGTERM to a real run: nothing Strata started keeps running, and what it changed in the
 * cluster is put back before it exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratch, type Scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { claim, deploymentUsing, eventually, getJson, hostPathVolume, kubectl } from './helpers/workloads.ts';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

function start(s: Scratch, args: readonly string[]): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, STRATA_PASSWORD_FILE: s.passwordFile }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, exited };
}

/** PIDs of running processes whose command line is exactly `command`. */
function pidsOf(command: string): number[] {
  const out = spawnSync('pgrep', ['-f', '-x', command], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number);
}

describe('interrupting a run', () => {
  it('stops the hook a plan is running when strata gets SIGTERM', async () => {
    const s = scratch();
    const repo = join(s.dir, 'repo');
    const source = join(s.dir, 'source');
    mkdirSync(source);
    writeFileSync(join(source, 'a'), 'a');
    await s.ok(['init', '--repo', repo]);
    // A hook that would outlive any test: its unique argument finds it among the processes.
    const sleeper = `sleep 3${process.pid % 1000}7`;
    const config = join(s.dir, 'strata.yaml');
    writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
plans:
  nightly:
    repository: main
    sources: [{ type: files, paths: [${source}] }]
    hooks:
      pre:
        - command: [bash, -c, '${sleeper} & wait']
          timeout: 1h
`);
    const run = start(s, ['run', 'nightly', '--config', config]);
    await eventually('the hook to start', () => pidsOf(sleeper).length === 1, 60_000);
    const [pid] = pidsOf(sleeper);
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.exited;
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted by SIGTERM');
    await eventually('the hook\'s sleep to be gone', () => spawnSync('kill', ['-0', String(pid)]).status !== 0, 30_000);
  }, 120_000);
});

describe('interrupting an in-place restore', () => {
  const cluster = useCluster({ name: 'interrupt', nodes: 1 });

  it('scales the workload it stopped back up before exiting', async () => {
    const s = scratch();
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    const data = join(s.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'file'), 'content');
    kubectl(kc, ['apply', '-f', '-'], [
      hostPathVolume({ name: `${ns}-data`, namespace: ns, claim: 'data', path: data, storageClass: `local-${ns}` }),
      claim({ name: 'data', namespace: ns, storageClass: `local-${ns}`, volume: `${ns}-data` }),
      deploymentUsing({ name: 'web', namespace: ns, claim: 'data', replicas: 2, podMetadata: 'finalizers: [strata.test/hold]' }),
    ].join(''));
    type Pods = { items: { metadata: { name: string } ; status: { phase: string } }[] };
    await eventually('the pods to run', () => getJson<Pods>(kc, ['pods', '-n', ns, '-l', 'app=web']).items.filter((p) => p.status.phase === 'Running').length === 2);
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const backup = JSON.parse((await s.ok(['backup', '--repo', repo, '--kubeconfig', kc, '--volumes', '--workload', `${ns}/deployment/web`, '--json'])).stdout) as { id: string };

    // The pods' finalizer keeps them terminating: the restore waits for them, and is interrupted there.
    const restore = start(s, ['restore', backup.id, '--repo', repo, '--kubeconfig', kc, '--volumes', '--pvc', `${ns}/data`, '--in-place', '--wait', '10m']);
    const replicas = () => getJson<{ spec: { replicas: number } }>(kc, ['deployment', 'web', '-n', ns]).spec.replicas;
    await eventually('the restore to scale the Deployment to zero', () => replicas() === 0, 60_000);
    restore.child.kill('SIGTERM');
    const { code, stderr } = await restore.exited;
    expect(code).toBe(130);
    expect(stderr).toContain(`finishing before exit (a second signal stops at once): starting again what uses ${ns}/data`);
    expect(stderr).not.toContain('not finished');
    expect(replicas()).toBe(2);
    for (const pod of getJson<Pods>(kc, ['pods', '-n', ns, '-l', 'app=web']).items) {
      kubectl(kc, ['patch', 'pod', pod.metadata.name, '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    }
  }, 300_000);
});
