/**
 * The Dockerfile, without Docker: no registry with the node:24 base image is reachable here,
 * so the test checks the image's shape (two stages on Node 24, a non-root user, the CLI as
 * entrypoint) and then carries out its recipe: the build stage's COPY and RUN steps in a
 * scratch folder (npm ci, build, prune to production dependencies), the final stage's
 * COPY --from=build, and the entrypoint run as the image's user. A runtime import of a dev
 * dependency, a missing file or a wrong entrypoint fails it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly steps: { readonly op: string; readonly args: string }[];
}

function stages(text: string): Stage[] {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const result: { from: string; name?: string; steps: { op: string; args: string }[] }[] = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      result.push({ from: m[1]!, ...(m[2] !== undefined && { name: m[2] }), steps: [] });
    } else result.at(-1)!.steps.push({ op: op!, args });
  }
  return result;
}

describe('Dockerfile', () => {
  const [build, image] = stages(readFileSync(join(root, 'Dockerfile'), 'utf8'));

  it('has a build stage and a final stage on Node 24, a non-root user and the CLI as entrypoint', () => {
    expect(build!.from).toMatch(/^node:24-/);
    expect(image!.from).toMatch(/^node:24-/);
    const user = image!.steps.find((s) => s.op === 'USER')!.args;
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    const entrypoint = JSON.parse(image!.steps.find((s) => s.op === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(image!.steps.filter((s) => s.op === 'COPY').every((s) => s.args.startsWith(`--from=${build!.name}`))).toBe(true);
  });

  it('its recipe builds an image whose entrypoint runs as the image user with production dependencies only', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'strata-image-'));
    onTestFinished(() => rmSync(scratch, { recursive: true, force: true }));
    const buildDir = join(scratch, 'build');
    const appDir = join(scratch, 'app');
    mkdirSync(buildDir);
    mkdirSync(appDir);
    const workdir = (stage: Stage) => stage.steps.find((s) => s.op === 'WORKDIR')!.args;
    for (const step of build!.steps) {
      if (step.op === 'COPY') {
        const parts = step.args.split(/\s+/);
        const destination = parts.pop()!;
        for (const source of parts) {
          const target = destination.endsWith('/') || parts.length > 1 ? join(buildDir, destination.replace(/^\.\/?/, ''), source.split('/').pop()!) : join(buildDir, destination.replace(/^\.\/?/, ''));
          cpSync(join(root, source), target, { recursive: true });
        }
      } else if (step.op === 'RUN') {
        execFileSync('sh', ['-c', step.args], { cwd: buildDir, stdio: 'pipe', timeout: 600_000 });
      }
    }
    expect(workdir(build!)).toBe('/src');
    for (const step of image!.steps.filter((s) => s.op === 'COPY')) {
      const [, from, to] = step.args.split(/\s+/) as [string, string, string];
      const source = join(buildDir, from.replace(/^\/src\/?/, ''));
      expect(existsSync(source)).toBe(true);
      const target = to.endsWith('/') ? join(appDir, to.replace(/^\.\/?/, ''), from.split('/').pop()!) : join(appDir, to.replace(/^\.\/?/, ''));
      cpSync(source, target, { recursive: true });
    }
    expect(existsSync(join(appDir, 'node_modules', 'typescript'))).toBe(false);
    // The image's own node is on its PATH; here the test's node is copied where the image user can run it.
    const node = join(scratch, 'node');
    cpSync(process.execPath, node);
    execFileSync('chmod', ['-R', 'a+rX', scratch]);
    const [, ...entry] = JSON.parse(image!.steps.find((s) => s.op === 'ENTRYPOINT')!.args) as string[];
    const [uid, gid] = image!.steps.find((s) => s.op === 'USER')!.args.split(':').map(Number) as [number, number];
    const app = workdir(image!);
    const home = join(scratch, 'home');
    mkdirSync(home);
    execFileSync('chown', [`${uid}:${gid}`, home]);
    const run = (args: string[]) => spawnSync(node, [...entry.map((a) => a.replace(app, appDir)), ...args], {
      cwd: appDir, uid, gid, encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: home, STRATA_PASSWORD: 'image-test-password' },
    });
    const help = run(['--help']);
    if (help.status !== 0) throw new Error(`entrypoint failed: ${String(help.error ?? '')} ${help.stderr}`);
    expect(help.status).toBe(0);
    for (const command of ['serve', 'run', 'backup', 'prune']) expect(help.stdout).toContain(command);
    // Commands that load the Kubernetes, etcd (gRPC) and scheduling code, from production dependencies only.
    for (const command of [['serve', '--help'], ['etcd', 'status', '--help'], ['config', 'schema']]) {
      const result = run(command);
      expect(result.status, `${command.join(' ')}: ${result.stderr}`).toBe(0);
    }
    // A real backup as the image user: encryption, compression, the sealing workers.
    const repo = join(home, 'repo');
    const init = run(['init', '--repo', repo]);
    expect(init.status, init.stderr).toBe(0);
    const backup = run(['backup', '--repo', repo, '--files', join(appDir, 'package.json'), '--json']);
    expect(backup.stderr).toBe('');
    expect((JSON.parse(backup.stdout) as { result: string }).result).toBe('completed');
  }, 900_000);
});
