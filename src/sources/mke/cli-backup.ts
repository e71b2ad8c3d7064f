/**
 * The CLI way: MKE's documented `docker container run --rm -i --log-driver none -v
 * /var/run/docker.sock:/var/run/docker.sock mirantis/ucp:VERSION backup` on this manager.
 * `mirantis/ucp backup` takes its passphrase only as a `--passphrase` argument, which every
 * user of the host sees in `ps` while it runs; so the container runs with `--no-passphrase`
 * and Strata encrypts what it prints, in the same OpenPGP form and with the same passphrase,
 * before a byte is stored. The archive handed back is the one `--passphrase` would have made.
 */
import { hostname } from 'node:os';
import { describeExit } from '../../programs/program.ts';
import { runToolContainer } from '../../docker/tool-container.ts';
import { keepTail, withLastLine } from '../program-output.ts';
import type { SourceSettings } from '../source.ts';
import type { TakenArchive } from './archive.ts';
import type { MkeEntry } from './entry.ts';
import { encrypt } from './passphrase-archive.ts';
import type { MkeSecrets } from './secrets.ts';

export function takeThroughCli(entry: MkeEntry, secrets: MkeSecrets, settings: SourceSettings, timeoutMs: number, signal: AbortSignal | undefined): TakenArchive {
  const args = ['backup', '--no-passphrase', `--include-logs=${entry.includeLogs}`];
  const program = runToolContainer({
    endpoint: { host: entry.dockerHost, field: settings.field('dockerHost') }, image: entry.image!, args, engineSocket: true, timeoutMs,
    ...(signal !== undefined && { signal }),
  });
  const stderr = keepTail(program.child.stderr!);
  let startError: Error | undefined;
  const exited = program.exited.catch((error: Error) => {
    startError = error;
    return { code: null, signal: null };
  });
  const printed = program.child.stdout! as AsyncIterable<Uint8Array>;
  return {
    bytes: secrets.passphrase === undefined ? printed : encrypt(printed, secrets.passphrase),
    version: entry.image!,
    manager: settings.node ?? hostname(),
    async finished() {
      const exit = await exited;
      const ended = startError !== undefined ? `could not start docker: ${startError.message}` : describeExit(exit);
      const ok = startError === undefined && exit.code === 0 && exit.stoppedBecause === undefined;
      return { exit: ended, stderrTail: stderr(), ...(!ok && { failed: `${entry.image} backup: ${withLastLine(ended, stderr())}` }) };
    },
  };
}
