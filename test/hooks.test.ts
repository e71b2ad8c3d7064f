/**
 * Plan hooks that run in a pod, through the API server's exec endpoint, on the test bed
 * (KWOK serves pods/exec by running the command on this machine): a pre hook found by
 * label selector runs before the backup and its effect is visible; a failing post hook
 * with onError: continue becomes a warning; no matching pod fails the run before the backup.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';
import { useCluster } from './helpers/testbed.ts';
import { eventually, getJson, kubectl } from './helpers/workloads.ts';

interface Run {
  result: string;
  snapshot?: string;
  error?: string;
  warnings: string[];
  hooks: { pod?: string; ok: boolean; outcome: string; output: string }[];
}

describe('hooks in pods', () => {
  const cluster = useCluster({ name: 'hooks', nodes: 1 });
  const s = scratch();
  const repo = join(s.dir, 'repo');
  const config = join(s.dir, 'strata.yaml');
  const marker = join(s.dir, 'flushed');

  beforeAll(async () => {
    await s.ok(['init', '--repo', repo]);
  }, 60_000);

  it('runs pre and post hooks inside the pod a selector finds, recording pod, outcome and output', async () => {
    const ns = cluster().namespace;
    const kc = cluster().bed.kubeconfig;
    kubectl(kc, ['run', 'db', '-n', ns, '--image=postgres:17', '--labels=app=db', '--restart=Never']);
    await eventually('the db pod to run', () => getJson<{ status: { phase: string } }>(kc, ['pod', 'db', '-n', ns]).status.phase === 'Running');
    writeFileSync(config, `
repositories:
  main: { url: ${repo}, passwordFile: ${s.passwordFile} }
clusters:
  bed: { kubeconfig: ${kc} }
plans:
  db:
    cluster: bed
    repository: main
    sources: [{ type: objects, includeNamespaces: [${ns}] }]
    hooks:
      pre:
        - command: [sh, -c, 'echo "checkpoint done" && echo flushed > ${marker}']
          pod: { namespace: ${ns}, selector: app=db }
          timeout: 30s
      post:
        - command: [sh, -c, 'exit 4']
          pod: { namespace: ${ns}, name: db }
          onError: continue
        - command: [sleep, '30']
          pod: { namespace: ${ns}, name: db }
          timeout: 1s
          onError: continue
  orphan:
    cluster: bed
    repository: main
    sources: [{ type: objects, includeNamespaces: [${ns}] }]
    hooks:
      pre: [{ command: ['true'], pod: { namespace: ${ns}, selector: app=nothing } }]
`);
    const out = await s.run(['run', 'db', '--config', config, '--json']);
    expect(out.code).toBe(0);
    const run = JSON.parse(out.stdout) as Run;
    expect(run.result).toBe('succeeded');
    expect(run.snapshot).toBeDefined();
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('flushed\n');
    expect(run.hooks[0]).toMatchObject({ pod: `${ns}/db`, ok: true, outcome: 'exit 0' });
    expect(run.hooks[0]!.output).toContain('checkpoint done');
    expect(run.hooks[1]).toMatchObject({ pod: `${ns}/db`, ok: false });
    expect(run.hooks[1]!.outcome).toContain('exit status 4');
    expect(run.warnings.join('\n')).toContain('post hook sh -c exit 4');
    expect(run.hooks[2]).toMatchObject({ ok: false, outcome: expect.stringContaining('timed out after 1s') });

    const before = (JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout) as unknown[]).length;
    const orphan = await s.run(['run', 'orphan', '--config', config, '--json']);
    expect(orphan.code).toBe(1);
    expect((JSON.parse(orphan.stdout) as Run).error).toContain(`no running pod in ${ns} matches app=nothing`);
    expect(JSON.parse((await s.ok(['snapshots', '--repo', repo, '--json'])).stdout)).toHaveLength(before);
  }, 180_000);

  it('config check refuses a pod hook with both a name and a selector, naming the field', async () => {
    writeFileSync(config, `
repositories:
  main: { url: ${repo} }
plans:
  bad:
    repository: main
    sources: [{ type: files, paths: [/etc/hostname] }]
    hooks:
      pre: [{ command: ['true'], pod: { namespace: x, name: a, selector: b=c } }]
`);
    const result = await s.run(['config', 'check', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/plans\.bad\.hooks\.pre\[0\]\.pod: expected either name: or selector:/);
  });
});
