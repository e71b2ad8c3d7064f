/**
 * The `mke` entry of a plan's sources: an MKE (UCP) backup taken one of the two ways MKE
 * documents — through its API (log in, start, poll, read the archive it wrote on this
 * manager) or by running its `mirantis/ucp backup` container here — encrypted with a
 * passphrase that comes from a file and is never put on a command line.
 */
import { z } from 'zod';
import { duration, filePath, secretFile } from '../../core/config/fields.ts';
import { DEFAULT_DOCKER_HOST } from '../../docker/connection.ts';
import { cycleSchema, placementSchema } from '../placement.ts';

export const mkeEntry = z.strictObject({
  type: z.literal('mke'),
  /** api: MKE's backup API; cli: the mirantis/ucp container on this manager. */
  method: z.enum(['api', 'cli'], { error: 'expected api or cli' }).default('api'),
  /** api: this manager's own MKE address (the archive is written on the manager that takes it), https://HOST[:PORT]. */
  url: z.url({ protocol: /^https$/, error: 'expected https://HOST[:PORT], this manager\'s MKE address' }).default('https://127.0.0.1'),
  /** api: the CA that signed MKE's certificate (`curl -k https://MKE/ca`); the system's CAs when unset. */
  ca: filePath().optional(),
  /** api: an admin's user name; the password comes from `passwordFile`. */
  username: z.string().min(1).optional(),
  passwordFile: secretFile().optional(),
  /** api: an admin client bundle's certificate and key instead of a password (ca.pem from the bundle goes in `ca`). */
  bundle: z.strictObject({ cert: filePath(), key: secretFile() }).optional(),
  /** api: the folder on this manager where MKE writes the archive; Strata reads it, stores it, and removes it. */
  hostPath: filePath().default('/var/lib/strata/mke-backup'),
  /** cli: the mirantis/ucp image of the running MKE version (mirantis/ucp:3.8.10). */
  image: z.string().min(1).optional(),
  /** cli: the engine that runs the container. */
  dockerHost: z.string().default(DEFAULT_DOCKER_HOST),
  /** The passphrase the archive is encrypted with (OpenPGP, as MKE's --passphrase); a file of mode 0600. */
  passphraseFile: secretFile().optional(),
  /** Keep the archive unencrypted (only the repository's encryption protects its keys); not recommended. */
  noPassphrase: z.boolean().default(false),
  /** Include MKE's logs in the archive. */
  includeLogs: z.boolean().default(false),
  /** The whole backup: starting it, MKE's work, and storing the archive. */
  timeout: duration().default('30m'),
  where: placementSchema,
  ha: cycleSchema,
}).superRefine((entry, ctx) => {
  if ((entry.passphraseFile === undefined) === !entry.noPassphrase) {
    ctx.addIssue({ code: 'custom', path: ['passphraseFile'], message: entry.noPassphrase ? 'give passphraseFile or noPassphrase: true, not both' : 'expected the file holding the backup passphrase (or noPassphrase: true)' });
  }
  if (entry.method === 'cli' && entry.image === undefined) ctx.addIssue({ code: 'custom', path: ['image'], message: 'expected the mirantis/ucp image of the running MKE, e.g. mirantis/ucp:3.8.10' });
  if (entry.method === 'api' && entry.bundle === undefined && (entry.username === undefined || entry.passwordFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: [entry.username === undefined ? 'username' : 'passwordFile'], message: 'expected username and passwordFile, or a client bundle\'s cert and key' });
  }
});

export type MkeEntry = z.output<typeof mkeEntry>;
