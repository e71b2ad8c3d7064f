/**
 * A throwaway single-member etcd for a drill: built by etcdutl from the snapshot file with
 * the revisions as they were (no bump, so the copy can be compared with the record), started
 * on free ports of 127.0.0.1 with its data in the drill's scratch directory, and stopped by
 * its PID. Nothing in it is ever reachable from the cluster it was taken from.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProgram, type RunningProgram } from '../../programs/program.ts';
import { EtcdMemberClient } from './client.ts';
import { etcdutlRestoreArgs, runEtcdutl } from './etcdutl.ts';

export interface ScratchMember {
  readonly client: EtcdMemberClient;
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** A port of 127.0.0.1 nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Builds the member's data directory in `dir` from `snapshotFile`. */
export async function buildScratchMember(etcdutl: string, snapshotFile: string, dir: string, peerUrl: string): Promise<string> {
  const dataDir = join(dir, 'member');
  await runEtcdutl(etcdutl, etcdutlRestoreArgs({
    snapshotFile, name: 'drill', initialCluster: `drill=${peerUrl}`, initialClusterToken: 'strata-drill', initialAdvertisePeerUrls: peerUrl, dataDir, bumpRevision: 0,
  }));
  return dataDir;
}

/**
 * Starts etcd on the data directory and waits (up to `timeoutMs`) until it answers; its
 * output is kept (the last lines name why it did not start). `onStarted` learns the PID first.
 */
export async function startScratchMember(etcd: string, dataDir: string, peerUrl: string, timeoutMs: number, onStarted: (pid: number) => Promise<void>, signal: AbortSignal): Promise<ScratchMember> {
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const program: RunningProgram = startProgram(etcd, [
    '--name=drill', `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`, `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=drill=${peerUrl}`,
    '--initial-cluster-token=strata-drill', '--log-level=warn',
  ], { timeoutMs: timeoutMs + 10 * 60_000, signal });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString('utf8')).slice(-4096));
  program.child.stdout?.on('data', keep);
  program.child.stderr?.on('data', keep);
  let exited: string | undefined;
  void program.exited.then((exit) => void (exited = `exited (${exit.code ?? exit.signal})`), (error: Error) => void (exited = error.message));
  const pid = program.child.pid;
  if (pid === undefined) throw new Error(`could not start ${etcd}: ${(await program.exited.catch((e: Error) => e)) as Error}`);
  await onStarted(pid);
  const client = new EtcdMemberClient(endpoint, { timeoutMs: 5_000 });
  const stop = async () => {
    client.close();
    program.stop('the drill is done with it');
    await program.exited.catch(() => undefined);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`the scratch etcd ${exited}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
    }
    try {
      await client.status();
      return { client, endpoint, pid, stop };
    } catch (error) {
      if (Date.now() > deadline || signal.aborted) {
        await stop();
        throw new Error(`the scratch etcd did not answer within ${timeoutMs / 1000}s: ${(error as Error).message}`, { cause: error });
      }
      await sleep(200, undefined, { signal }).catch(() => undefined);
    }
  }
}
