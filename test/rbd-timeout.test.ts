/**
 * A Ceph that does not answer: the stock rbd client waits for its monitors for minutes.
 * Strata's own limit (--ceph-timeout / ceph.timeout) stops the real rbd, its whole process
 * group, and fails with what happened instead of hanging the backup.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalRbd } from '../src/sources/volumes/rbd/runner.ts';
import { ensureProgram } from '../testbed/apt.ts';
import { scratch } from './helpers/repo.ts';

describe('rbd against a Ceph that does not answer', () => {
  it('is stopped after --ceph-timeout, whole, with the reason', async () => {
    const rbd = ensureProgram(['/usr/bin/rbd'], ['ceph-common']);
    const s = scratch();
    // A "monitor" that accepts connections and never says a word.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const conf = join(s.dir, 'ceph.conf');
    writeFileSync(conf, `[global]\nmon_host = 127.0.0.1:${port}\nauth_client_required = none\n`);
    try {
      const runner = new LocalRbd({ program: rbd, confFile: conf, timeoutMs: 2_000 });
      await expect(runner.run(['snap', 'ls', 'pool/image'])).rejects.toThrow(/^rbd snap ls pool\/image: timed out after 2s/);
      // Its group is gone: no rbd is left talking to the silent monitor.
      const left = spawnSync('pgrep', ['-f', `${conf}`], { encoding: 'utf8' }).stdout.trim();
      expect(left).toBe('');
    } finally {
      silent.close();
    }
  }, 120_000);
});
