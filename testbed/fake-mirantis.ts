/**
 * NAMED FAKES of Mirantis products, which cannot run here (licensed images, a whole MKE
 * cluster). They follow the vendor's documented interfaces and nothing more, so that Strata's
 * mke and msr sources are tested against those interfaces (docs/testbed.md, "Fakes"):
 *
 * - `fakeMirantisImages`: images named mirantis/ucp:FAKE and mirantis/dtr:FAKE, built with
 *   `docker import` from Debian's static busybox. `ucp backup --no-passphrase` prints a tar
 *   shaped as MKE documents a good backup (over 27 entries, ./ucp-controller-server-certs/
 *   key.pem among them) and needs /var/run/docker.sock mounted; `ucp restore` reads a plain
 *   tar on its standard input and fails unless it is one. `dtr backup` needs --ucp-url,
 *   --ucp-username, --existing-replica-id, --ucp-ca or --ucp-insecure-tls and UCP_PASSWORD in
 *   its environment, and prints a tar recording what it was given (the password as a hash).
 * - `startFakeMke`: an HTTPS server answering MKE's backup API (POST /auth/login or a client
 *   bundle's certificate, GET
 *   /version, GET /api/ucp/backups, POST /api/ucp/backup, GET /api/ucp/backup/{id}) that
 *   writes the archive, encrypted by real GnuPG with the request's passphrase, into
 *   hostPath below a folder standing for the manager's root.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureProgram } from './apt.ts';
import type { CertificatePaths } from './pki.ts';

const APPLETS = ['sh', 'tar', 'mkdir', 'cat', 'echo', 'sha256sum', 'seq', 'grep', 'wc', 'head', 'rm', 'printf', 'test', '[', 'sleep'];

/** Files shaped as an MKE backup's volumes: 30 files, the controller's server key among them. */
const MKE_LAYOUT = `
d=$1
mkdir -p "$d/ucp-controller-server-certs" "$d/ucp-auth-store-certs" "$d/ucp-kv" "$d/ucp-client-root-ca"
echo "-----BEGIN EC PRIVATE KEY----- fake $(head -c 16 /dev/urandom | sha256sum)" > "$d/ucp-controller-server-certs/key.pem"
echo "fake cert" > "$d/ucp-controller-server-certs/cert.pem"
for i in $(seq 1 14); do echo "store $i" > "$d/ucp-auth-store-certs/file-$i"; echo "kv $i $(head -c 8 /dev/urandom | sha256sum)" > "$d/ucp-kv/entry-$i"; done
echo "root ca" > "$d/ucp-client-root-ca/cert.pem"
`;

const UCP_SCRIPT = `#!/bin/sh
# FAKE mirantis/ucp for Strata's tests: not MKE. See testbed/fake-mirantis.ts.
cmd=$1; shift
case "$cmd" in
backup)
  [ -S /var/run/docker.sock ] || { echo "fake ucp: /var/run/docker.sock is not mounted" >&2; exit 1; }
  plain=no
  for a in "$@"; do case "$a" in --no-passphrase) plain=yes;; --passphrase*) echo "fake ucp: --passphrase is not faked" >&2; exit 2;; esac; done
  [ $plain = yes ] || { echo "fake ucp: give --passphrase or --no-passphrase" >&2; exit 2; }
  [ "$FAKE_MODE" = fail ] && { echo "fake ucp: backup failed: etcd is unhealthy" >&2; exit 1; }
  set -- /tmp/mke
  ${MKE_LAYOUT}
  [ "$FAKE_MODE" = short ] && rm -r /tmp/mke/ucp-kv
  echo "fake ucp: backing up" >&2
  tar -C /tmp/mke -cf - .
  ;;
restore)
  tar -tf - > /tmp/listing 2>/tmp/err || { echo "fake ucp: the archive on stdin is not a plain tar: $(cat /tmp/err)" >&2; exit 1; }
  grep -qx './ucp-controller-server-certs/key.pem' /tmp/listing || { echo "fake ucp: no ./ucp-controller-server-certs/key.pem in the archive" >&2; exit 1; }
  echo "fake ucp: restored $(wc -l < /tmp/listing) entries" >&2
  ;;
*) echo "fake ucp: unknown command $cmd" >&2; exit 2;;
esac
`;

const DTR_SCRIPT = `#!/bin/sh
# FAKE mirantis/dtr for Strata's tests: not MSR. See testbed/fake-mirantis.ts.
[ "$1" = backup ] || { echo "fake dtr: only backup is faked" >&2; exit 2; }
shift
url= user= replica= tls=
while [ $# -gt 0 ]; do
  case "$1" in
  --ucp-url) url=$2; shift;; --ucp-username) user=$2; shift;; --existing-replica-id) replica=$2; shift;;
  --ucp-ca) tls=ca; shift;; --ucp-insecure-tls) tls=insecure;;
  *) echo "fake dtr: unknown flag $1" >&2; exit 2;;
  esac
  shift
done
[ -n "$url" ] && [ -n "$user" ] && [ -n "$replica" ] && [ -n "$tls" ] || { echo "fake dtr: --ucp-url, --ucp-username, --existing-replica-id and --ucp-ca or --ucp-insecure-tls are required" >&2; exit 2; }
[ -n "$UCP_PASSWORD" ] || { echo "fake dtr: UCP_PASSWORD is not set" >&2; exit 2; }
d=/tmp/dtr; mkdir -p $d/rethink $d/notary
echo "$replica" > $d/replica-id; echo "$url" > $d/ucp-url; echo "$user" > $d/ucp-username; echo "$tls" > $d/tls
printf %s "$UCP_PASSWORD" | sha256sum > $d/password.sha256
for i in $(seq 1 5); do echo "table $i" > $d/rethink/table-$i; done
echo "fake dtr: backing up replica $replica" >&2
tar -C $d -cf - .
`;

export interface FakeImages {
  readonly ucp: string;
  readonly ucpFailing: string;
  readonly ucpShort: string;
  readonly dtr: string;
}

/** Builds the fake images into the engine at `host` (docker import of a busybox root). */
export function fakeMirantisImages(host: string): FakeImages {
  const busybox = ensureProgram(['/bin/busybox'], ['busybox-static']);
  const root = mkdtempSync(join(tmpdir(), 'strata-fake-mirantis-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'tmp'));
    chmodSync(join(root, 'tmp'), 0o1777);
    writeFileSync(join(root, 'bin', 'busybox'), readFileSync(busybox), { mode: 0o755 });
    for (const applet of APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
    writeFileSync(join(root, 'fake-ucp'), UCP_SCRIPT, { mode: 0o755 });
    writeFileSync(join(root, 'fake-dtr'), DTR_SCRIPT, { mode: 0o755 });
    const rootfs = join(root, '..', `${root.split('/').pop()}.tar`);
    execFileSync('tar', ['-C', root, '-cf', rootfs, '.']);
    const images: FakeImages = { ucp: 'mirantis/ucp:3.8.10-fake', ucpFailing: 'mirantis/ucp:3.8.10-fake-failing', ucpShort: 'mirantis/ucp:3.8.10-fake-short', dtr: 'mirantis/dtr:2.9.29-fake' };
    const build = (image: string, script: string, mode = 'ok') => execFileSync('docker', ['--host', host, 'import', '--change', `ENTRYPOINT ["/bin/sh", "/${script}"]`, '--change', 'ENV PATH=/bin', '--change', `ENV FAKE_MODE=${mode}`, rootfs, image], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
    build(images.ucp, 'fake-ucp');
    build(images.ucpFailing, 'fake-ucp', 'fail');
    build(images.ucpShort, 'fake-ucp', 'short');
    build(images.dtr, 'fake-dtr');
    rmSync(rootfs, { force: true });
    return images;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface FakeBackup {
  id: string;
  backupState: 'IN_PROGRESS' | 'SUCCESS' | 'FAILED';
  fileName: string;
  logFileName: string;
  backupPath: string;
  nodeLocation: string;
  encrypted: boolean;
  shortError: string;
  created_at: string;
  completed_at?: string;
}

export interface FakeMke {
  readonly url: string;
  readonly backups: FakeBackup[];
  /** What the next backup does: succeed, fail, or write an archive of too few entries. */
  mode: 'ok' | 'fail' | 'short';
  /** Every request body the fake received, for tests that look for leaked secrets. */
  readonly bodies: string[];
  close(): Promise<void>;
}

/**
 * The fake MKE API on 127.0.0.1 with `tls` as its certificate. `hostRoot` stands for the
 * manager's root: the archive goes to hostRoot + hostPath + fileName, as MKE writes it on the
 * manager that takes the backup.
 */
export async function startFakeMke(options: { tls: CertificatePaths; ca: string; hostRoot: string; node: string; username: string; password: string }): Promise<FakeMke> {
  const gpg = ensureProgram(['/usr/bin/gpg'], ['gpg']);
  const tokens = new Set<string>();
  const backups: FakeBackup[] = [];
  const bodies: string[] = [];
  const fake: FakeMke = { url: '', backups, mode: 'ok', bodies, close: () => Promise.resolve() };
  const write = (backup: FakeBackup, passphrase: string | undefined) => {
    const work = mkdtempSync(join(tmpdir(), 'strata-fake-mke-'));
    try {
      execFileSync('sh', ['-c', MKE_LAYOUT, 'layout', join(work, 'v')]);
      if (fake.mode === 'short') rmSync(join(work, 'v', 'ucp-kv'), { recursive: true });
      const tar = execFileSync('tar', ['-C', join(work, 'v'), '-cf', '-', '.'], { maxBuffer: 1 << 26 });
      const folder = join(options.hostRoot, backup.backupPath);
      mkdirSync(folder, { recursive: true });
      let archive = tar;
      if (passphrase !== undefined) {
        writeFileSync(join(work, 'pass'), passphrase, { mode: 0o600 });
        archive = execFileSync(gpg, ['--batch', '--quiet', '--homedir', work, '--pinentry-mode', 'loopback', '--passphrase-file', join(work, 'pass'), '--symmetric', '--output', '-'], { input: tar, maxBuffer: 1 << 26 });
      }
      writeFileSync(join(folder, backup.fileName), archive, { mode: 0o600 });
      writeFileSync(join(folder, backup.logFileName), 'fake MKE backup log\n');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
  // A client bundle's certificate (signed by `ca`) authenticates a request as the bundle's user, without a token.
  const server: Server = createServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key), ca: readFileSync(options.ca), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d)).on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      bodies.push(text);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'https://fake');
      if (req.method === 'POST' && url.pathname === '/auth/login') {
        const { username, password } = JSON.parse(text || '{}') as { username?: string; password?: string };
        if (username !== options.username || password !== options.password) return send(401, { message: 'invalid credentials' });
        const token = randomUUID();
        tokens.add(token);
        return send(200, { auth_token: token });
      }
      const bundle = (req.socket as TLSSocket).authorized;
      if (!bundle && !tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) return send(401, { message: 'unauthorized' });
      if (req.method === 'GET' && url.pathname === '/version') return send(200, { Version: 'ucp/3.8.10', ApiVersion: '1.41' });
      if (req.method === 'GET' && url.pathname === '/api/ucp/backups') return send(200, backups);
      const one = /^\/api\/ucp\/backup\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && one !== null) {
        const backup = backups.find((b) => b.id === one[1]);
        return backup === undefined ? send(404, { message: 'no such backup' }) : send(200, backup);
      }
      if (req.method === 'POST' && url.pathname === '/api/ucp/backup') {
        if (backups.some((b) => b.backupState === 'IN_PROGRESS')) return send(409, { message: 'another backup is in progress' });
        const body = JSON.parse(text || '{}') as { passphrase?: string; noPassphrase?: boolean; fileName?: string; logFileName?: string; hostPath?: string };
        if (body.passphrase === undefined && body.noPassphrase !== true) return send(400, { message: 'passphrase or noPassphrase is required' });
        const backup: FakeBackup = {
          id: randomUUID(), backupState: 'IN_PROGRESS', fileName: body.fileName ?? 'backup.tar', logFileName: body.logFileName ?? 'backup.log', backupPath: body.hostPath ?? '/tmp',
          nodeLocation: options.node, encrypted: body.passphrase !== undefined, shortError: '', created_at: new Date().toISOString(),
        };
        backups.push(backup);
        // MKE works in the background: the backup is IN_PROGRESS for a poll or two.
        setTimeout(() => {
          if (fake.mode === 'fail') Object.assign(backup, { backupState: 'FAILED', shortError: 'failed to back up volume ucp-kv' });
          else {
            write(backup, body.passphrase);
            backup.backupState = 'SUCCESS';
          }
          backup.completed_at = new Date().toISOString();
        }, 2_500).unref();
        return send(200, { backupId: backup.id });
      }
      return send(404, { message: `no route ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fake, {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
