/**
 * `strata restore ID --mke`: the stored archive, decrypted by Strata, fed to MKE's documented
 * `docker container run --rm -i --name ucp -v /var/run/docker.sock:/var/run/docker.sock
 * mirantis/ucp:VERSION restore` on this manager (a plain archive needs no --passphrase, so
 * the passphrase is in no argument list); or with `--mke-output FILE` the archive as stored
 * (under its passphrase) written to a new file for MKE's own procedure.
 */
import { Duration } from '../../core/duration.ts';
import { formatBytes } from '../../core/format.ts';
import { UsageError } from '../../core/errors.ts';
import { runToolContainer } from '../../docker/tool-container.ts';
import { describeExit } from '../../programs/program.ts';
import type { Id } from '../../repository/hash.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import { keepTail, ProgramInput, storedBytes, withLastLine, writeItemFile } from '../program-output.ts';
import { readSecretValue } from '../secret-file.ts';
import type { PlannedRestore, RestoreContext, RestoreOutcome } from '../source.ts';
import { decrypt } from './passphrase-archive.ts';
import type { MkeRecord } from './record.ts';

export interface MkeRestoreOptions {
  /** Write the archive here instead of running MKE's restore. */
  readonly output?: string;
  /** The mirantis/ucp image to restore with; the recorded version's by default. */
  readonly image?: string;
  readonly dockerHost: string;
  /** The archive's passphrase, to decrypt it for MKE's restore. */
  readonly passphraseFile?: string;
  /** More arguments for `mirantis/ucp restore` (--host-address, --san…). */
  readonly args: readonly string[];
  readonly timeout: string;
}

/** mirantis/ucp:3.8.10 for MKE "ucp/3.8.10"; the image itself when the CLI way recorded one. */
export function imageOf(record: MkeRecord): string | undefined {
  if (record.method === 'cli') return record.version;
  const version = /^ucp\/(\d[\w.+-]*)$/.exec(record.version)?.[1];
  return version === undefined ? undefined : `mirantis/ucp:${version}`;
}

export async function planMkeRestore({ repository, snapshot }: RestoreContext, options: MkeRestoreOptions): Promise<PlannedRestore> {
  const source = snapshot.sources.find((s) => s.type === 'mke');
  if (source === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds no MKE backup`, { hint: 'pick a snapshot with mke in `strata snapshots`' });
  const record = source.record as MkeRecord;
  if (record.failed !== undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)}: its MKE backup failed (${record.failed})`, { hint: 'pick an earlier snapshot whose MKE backup is verified' });
  const tree = await sourceTree(repository, snapshot.tree, 'mke');
  const node = tree === undefined ? undefined : (await repository.loadTree(tree)).nodes.find((n) => n.name === record.archive);
  if (node?.content === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)}: the MKE archive is missing from its tree`, { hint: 'run `strata check --read-data`' });
  const content: readonly Id[] = node.content;
  const size = formatBytes(record.bytes);
  if (options.output !== undefined) {
    const output = options.output;
    return {
      text: `write the MKE archive (${size}, ${record.encrypted ? 'under its passphrase' : 'unencrypted'}, MKE ${record.version}) to ${output} (mode 0600, must not exist)`,
      json: { snapshot: snapshot.id, archive: record.archive, bytes: record.bytes, output },
      async apply(): Promise<RestoreOutcome> {
        await writeItemFile(repository, content, output, '--mke-output');
        return { lines: [`wrote the MKE archive (${size}) to ${output}`], json: { snapshot: snapshot.id, output }, warnings: [], errors: [] };
      },
    };
  }
  const image = options.image ?? imageOf(record);
  if (image === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)}: MKE's version (${record.version}) names no image`, { hint: 'give --mke-image mirantis/ucp:VERSION, the version the backup was taken with' });
  if (record.encrypted && options.passphraseFile === undefined) throw new UsageError('--mke: the archive is under a passphrase: give --mke-passphrase-file FILE', { hint: 'the file the plan\'s passphraseFile named' });
  const passphrase = record.encrypted ? readSecretValue(options.passphraseFile!, '--mke-passphrase-file', () => undefined) : undefined;
  const args = ['restore', ...options.args];
  return {
    text: `run ${image} ${args.join(' ')} on ${options.dockerHost} with the MKE archive (${size}${record.encrypted ? ', decrypted by strata' : ''}) on its standard input`,
    json: { snapshot: snapshot.id, image, args, dockerHost: options.dockerHost },
    async apply(): Promise<RestoreOutcome> {
      const program = runToolContainer({ endpoint: { host: options.dockerHost, field: '--docker-host' }, image, args, engineSocket: true, stdin: true, timeoutMs: Duration.parse(options.timeout)!.milliseconds });
      const stderr = keepTail(program.child.stderr!);
      program.child.stdout!.resume();
      const input = new ProgramInput(program.child.stdin!);
      let readError: Error | undefined;
      try {
        const bytes = storedBytes(repository, content);
        for await (const piece of passphrase === undefined ? bytes : decrypt(bytes, passphrase)) {
          if (input.stopped) break;
          await input.write(piece);
        }
      } catch (error) {
        // A wrong passphrase, or an archive that fails its integrity check: MKE is told nothing more.
        readError = error as Error;
        program.stop('the archive could not be decrypted');
      }
      input.end();
      const exit = await program.exited;
      const ok = readError === undefined && exit.code === 0 && exit.stoppedBecause === undefined;
      const error = readError !== undefined ? `the archive does not decrypt with --mke-passphrase-file: ${readError.message}` : `${image} restore: ${withLastLine(describeExit(exit), stderr())}`;
      return {
        lines: ok ? [`restored MKE from its ${size} archive through ${image} restore`] : [],
        json: { snapshot: snapshot.id, image, restored: ok, ...(!ok && { error }) },
        warnings: [],
        errors: ok ? [] : [error],
        ...(!ok && { failure: { message: 'MKE was not restored', hint: 'see the error above; MKE\'s own restore output is on its standard error' } }),
      };
    },
  };
}
