import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { describeExit, runProgram, startProgram } from './program.ts';

/** Whether a process with this PID exists (and is not a zombie awaiting its parent). */
function alive(pid: number): boolean {
  const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return state !== '' && !state.startsWith('Z');
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('external programs', () => {
  it('runs a program to its end and keeps its output and exit code', async () => {
    const finished = await runProgram('bash', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 60_000 });
    expect(finished).toMatchObject({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
    expect(describeExit(finished)).toBe('exit 3');
  });

  it('stops the whole process group, grandchildren included, when the time limit passes', async () => {
    // The shell starts a background sleep and prints its PID: a grandchild of Strata's.
    const program = startProgram('bash', ['-c', 'sleep 300 & echo $!; wait'], { timeoutMs: 1_000 });
    let stdout = '';
    program.child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const exit = await program.exited;
    expect(describeExit(exit)).toBe('timed out after 1s');
    const grandchild = Number(stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    await until(() => !alive(grandchild));
  });

  it('with an idle limit, lets a program run as long as it makes progress', async () => {
    // Output every 0.3 s for 4.5 s against a 3 s idle limit: longer than the limit in all, and
    // ten times the gap between outputs in slack for a loaded machine.
    const finished = await runProgram('bash', ['-c', 'for i in $(seq 15); do echo $i; sleep 0.3; done'], { timeoutMs: 3_000, idle: true });
    expect(finished.code).toBe(0);
    expect(finished.stdout.split('\n').filter(Boolean)).toHaveLength(15);
    const stuck = await runProgram('bash', ['-c', 'echo started; sleep 300'], { timeoutMs: 1_000, idle: true });
    expect(describeExit(stuck)).toBe('no progress for 1s');
  });

  it('stops on an abort signal', async () => {
    const controller = new AbortController();
    const program = startProgram('sleep', ['300'], { timeoutMs: 600_000, signal: controller.signal });
    controller.abort();
    expect(describeExit(await program.exited)).toBe('interrupted');
  });

  it('leaves nothing running when Strata exits while a program runs', async () => {
    // A separate Node process starts a program through this module and exits at once.
    const script = `
      import { startProgram } from ${JSON.stringify(new URL('./program.ts', import.meta.url).href)};
      const p = startProgram('sleep', ['300'], { timeoutMs: 600_000 });
      console.log(p.child.pid);
      setTimeout(() => process.exit(0), 200);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const pid = Number(result.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    await until(() => !alive(pid));
  });

  it('rejects when the program cannot be started', async () => {
    await expect(runProgram('/nonexistent/program', [], { timeoutMs: 1_000 })).rejects.toThrow(/ENOENT/);
  });
});
