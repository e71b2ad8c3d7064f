/**
 * The mke and msr sources against NAMED FAKES of MKE and MSR (testbed/fake-mirantis.ts: an
 * HTTPS server answering MKE's backup API, and mirantis/ucp and mirantis/dtr images made with
 * `docker import`), on a real Docker Engine in a real one-manager swarm, with real GnuPG on
 * the other side of the passphrase: archives stored, proven and handed back; failures,
 * a backup already running and short archives named; secrets absent from `ps`, output and the
 * raw repository; placement and one run per cycle.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fakeMirantisImages, startFakeMke, type FakeImages, type FakeMke } from '../testbed/fake-mirantis.ts';
import { createPki } from '../testbed/pki.ts';
import { docker } from '../testbed/swarm.ts';
import { scratch, type Scratch } from './helpers/repo.ts';
import { sourceConformance } from './helpers/source-conformance.ts';
import { useSwarm } from './helpers/swarm.ts';

interface Saved { id: string | null; result: string; warnings: string[]; leftToOthers: string[]; sources: { type: string; record: Record<string, unknown> }[] }

/** Every file under `dir`, read whole: where a secret must not be. */
function rawBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else parts.push(readFileSync(path));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

/** Watches every process's command line while `work` runs; the lines that held `secret`. */
async function commandLinesWith(secret: string, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  let done = false;
  const watcher = (async () => {
    for (let i = 0; i < 20_000 && !done; i++) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
          if (line.includes(secret)) seen.push(line);
        } catch {
          // gone already
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await watcher;
  }
  return seen;
}

const gpgDecrypt = (file: string, passphraseFile: string, home: string): Buffer =>
  execFileSync('gpg', ['--batch', '--quiet', '--homedir', home, '--pinentry-mode', 'loopback', '--passphrase-file', passphraseFile, '--decrypt', file], { maxBuffer: 1 << 26 });

const tarList = (bytes: Buffer): string[] => execFileSync('tar', ['-tf', '-'], { input: bytes, encoding: 'utf8' }).trim().split('\n');

describe('Mirantis sources (MKE and MSR fakes)', () => {
  const bed = useSwarm('mirantis', 1);
  let images: FakeImages;
  let mke: FakeMke;
  let s: Scratch;
  let repo: string;
  const passphrase = `pass-${randomBytes(9).toString('hex')}`;
  const password = `pw-${randomBytes(9).toString('hex')}`;
  let passphraseFile: string;
  let passwordFile: string;
  let hostRoot: string;
  let ca: string;
  let gpgHome: string;
  let bundle: { cert: string; key: string };

  beforeAll(async () => {
    images = fakeMirantisImages(bed().managers[0]!.host);
    s = scratch();
    repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    passphraseFile = join(s.dir, 'mke-passphrase');
    writeFileSync(passphraseFile, `${passphrase}\n`, { mode: 0o600 });
    passwordFile = join(s.dir, 'mke-password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    hostRoot = join(s.dir, 'host');
    gpgHome = join(s.dir, 'gnupg');
    mkdirSync(gpgHome, { mode: 0o700 });
    const pki = createPki(join(s.dir, 'pki'));
    ca = pki.ca.cert;
    bundle = pki.issue('admin-bundle', { cn: 'admin' }, 'client');
    mke = await startFakeMke({ tls: pki.issue('mke', { cn: 'mke' }, 'server', ['IP:127.0.0.1']), ca, hostRoot, node: 'manager-1', username: 'admin', password });
  }, 300_000);
  afterAll(async () => {
    await mke?.close();
  });

  /** Writes a --source-file of these entries. */
  const sourceFile = (entries: unknown[]): string => {
    const file = join(s.dir, `sources-${randomBytes(4).toString('hex')}.yaml`);
    writeFileSync(file, stringify(entries));
    return file;
  };
  const apiEntry = (extra: Record<string, unknown> = {}) => ({ type: 'mke', url: mke.url, ca, username: 'admin', passwordFile, passphraseFile, hostPath: '/var/lib/strata/mke', dockerHost: bed().managers[0]!.host, ...extra });
  const backup = (file: string, extra: string[] = []) => s.run(['backup', '--repo', repo, '--json', '--source-file', file, '--host-root', hostRoot, '--node', 'manager-1', ...extra]);

  it('takes an MKE backup through its API, proves it, removes it from the manager, and hands it back under its passphrase', async () => {
    let result: Awaited<ReturnType<typeof backup>> | undefined;
    const leaked = await commandLinesWith(passphrase, async () => {
      result = await backup(sourceFile([apiEntry()]));
    });
    expect(result!.code, result!.stderr).toBe(0);
    expect(leaked).toEqual([]);
    const saved = JSON.parse(result!.stdout) as Saved;
    expect(saved.sources[0]!.record).toMatchObject({ method: 'api', version: 'ucp/3.8.10', manager: 'manager-1', encrypted: true, verified: true });
    expect(saved.sources[0]!.record['entries'] as number).toBeGreaterThanOrEqual(27);
    // The manager's copy is gone once stored.
    expect(readdirSync(join(hostRoot, 'var/lib/strata/mke'))).toEqual([]);
    // Neither secret in the output, the fake's requests aside, or the repository's bytes.
    for (const secret of [passphrase, password]) {
      expect(result!.stdout + result!.stderr).not.toContain(secret);
      expect(rawBytes(repo).includes(Buffer.from(secret))).toBe(false);
    }
    const out = join(s.dir, 'mke-api.tar.gpg');
    await s.ok(['restore', saved.id!, '--repo', repo, '--mke-output', out]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(tarList(gpgDecrypt(out, passphraseFile, gpgHome))).toContain('./ucp-controller-server-certs/key.pem');
    expect((await s.ok(['show', saved.id!, '--repo', repo])).stdout).toMatch(/MKE ucp\/3\.8\.10 on manager-1: .* under its passphrase, \d+ entries, verified/);
    // An admin client bundle's certificate instead of a password.
    const byBundle = await backup(sourceFile([{ ...apiEntry({ bundle }), username: undefined, passwordFile: undefined }].map((e) => JSON.parse(JSON.stringify(e)) as unknown)));
    expect(byBundle.code, byBundle.stderr).toBe(0);
    expect((JSON.parse(byBundle.stdout) as Saved).sources[0]!.record['verified']).toBe(true);
  });

  it('names a backup MKE failed, one already running, an archive too short, and a wrong password, keeping nothing for MKE', async () => {
    const cases: [() => void, RegExp][] = [
      [() => (mke.mode = 'fail'), /mke: backup \S+ ended FAILED: failed to back up volume ucp-kv/],
      [() => {
        mke.mode = 'ok';
        mke.backups.push({ id: 'busy-1', backupState: 'IN_PROGRESS', fileName: 'x.tar', logFileName: 'x.log', backupPath: '/tmp', nodeLocation: 'manager-2', encrypted: true, shortError: '', created_at: '2026-12-05T07:00:00Z' });
      }, /mke: backup busy-1 is already running on manager-2 since 2026-12-05T07:00:00Z; MKE takes one backup at a time/],
      [() => {
        mke.backups.splice(mke.backups.findIndex((b) => b.id === 'busy-1'), 1);
        mke.mode = 'short';
      }, /the archive is not a good MKE backup: it lists \d+ entries; a good MKE backup holds at least 27/],
    ];
    for (const [arrange, reason] of cases) {
      arrange();
      const result = await backup(sourceFile([apiEntry()]));
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(reason);
      const saved = JSON.parse(result.stdout) as Saved;
      expect(saved.sources[0]!.record['verified']).toBe(false);
      const refused = await s.run(['restore', saved.id!, '--repo', repo, '--mke-output', join(s.dir, `x-${randomBytes(3).toString('hex')}`)]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('its MKE backup failed');
    }
    mke.mode = 'ok';
    const wrong = join(s.dir, 'wrong-password');
    writeFileSync(wrong, 'not-it\n', { mode: 0o600 });
    const denied = await backup(sourceFile([apiEntry({ passwordFile: wrong })]));
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('user admin could not log in (401)');
    // A passphrase file others may read is said; a missing one stops the run before anything starts.
    const missing = await backup(sourceFile([apiEntry({ passphraseFile: join(s.dir, 'nope') })]));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/passphraseFile: .*nope: no such file/);
  });

  it('runs mirantis/ucp backup with --no-passphrase and encrypts its output itself, so the passphrase is in no command line; restores through mirantis/ucp restore', async () => {
    const entry = { type: 'mke', method: 'cli', image: images.ucp, dockerHost: bed().managers[0]!.host, passphraseFile };
    let result: Awaited<ReturnType<typeof backup>> | undefined;
    const leaked = await commandLinesWith(passphrase, async () => {
      result = await backup(sourceFile([entry]));
    });
    expect(result!.code, result!.stderr).toBe(0);
    expect(leaked).toEqual([]);
    const saved = JSON.parse(result!.stdout) as Saved;
    expect(saved.sources[0]!.record).toMatchObject({ method: 'cli', version: images.ucp, encrypted: true, verified: true, exit: 'exit 0' });
    expect(rawBytes(repo).includes(Buffer.from(passphrase))).toBe(false);
    // Real GnuPG opens what Strata encrypted, as it opens what MKE's --passphrase writes.
    const out = join(s.dir, 'mke-cli.tar.gpg');
    await s.ok(['restore', saved.id!, '--repo', repo, '--mke-output', out]);
    expect(tarList(gpgDecrypt(out, passphraseFile, gpgHome))).toContain('./ucp-controller-server-certs/key.pem');
    // MKE's restore reads a plain tar on stdin: Strata decrypts it on the way.
    const restoreArgs = ['restore', saved.id!, '--repo', repo, '--mke', '--mke-passphrase-file', passphraseFile, '--docker-host', bed().managers[0]!.host];
    expect((await s.ok([...restoreArgs, '--dry-run'])).stdout).toContain(`run ${images.ucp} restore`);
    const restored = await s.ok(restoreArgs);
    expect(restored.stdout).toContain(`restored MKE from its`);
    const wrong = join(s.dir, 'wrong-passphrase');
    writeFileSync(wrong, 'not-the-passphrase\n', { mode: 0o600 });
    const refused = await s.run([...restoreArgs.slice(0, -4), '--mke-passphrase-file', wrong, '--docker-host', bed().managers[0]!.host]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('does not decrypt with --mke-passphrase-file');

    const failing = await backup(sourceFile([{ ...entry, image: images.ucpFailing }]));
    expect(failing.code).toBe(3);
    expect(failing.stderr).toContain(`${images.ucpFailing} backup: exit 1: fake ucp: backup failed: etcd is unhealthy`);
    const short = await backup(sourceFile([{ ...entry, image: images.ucpShort }]));
    expect(short.code).toBe(3);
    expect(short.stderr).toMatch(/lists \d+ entries; a good MKE backup holds at least 27/);
  });

  it('backs up MSR from the replica on this node with the password in no command line, and skips a node without one', async () => {
    const manager = bed().managers[0]!;
    const entry = { type: 'msr', image: images.dtr, ucpUrl: 'https://mke.example', ucpUsername: 'admin', ucpPasswordFile: passwordFile, ucpInsecureTls: true, dockerHost: manager.host };
    const skipped = await backup(sourceFile([entry]));
    expect(skipped.code, skipped.stderr).toBe(0);
    expect((JSON.parse(skipped.stdout) as Saved).leftToOthers).toEqual(['msr: manager-1 hosts no MSR replica (no dtr-rethinkdb-<id> container runs here): skipped']);
    const replica = randomBytes(6).toString('hex');
    docker(manager, ['run', '-d', '--name', `dtr-rethinkdb-${replica}`, '--entrypoint', '/bin/sleep', images.dtr, '600']);
    try {
      let result: Awaited<ReturnType<typeof backup>> | undefined;
      const leaked = await commandLinesWith(password, async () => {
        result = await backup(sourceFile([entry]));
      });
      expect(result!.code, result!.stderr).toBe(0);
      expect(leaked).toEqual([]);
      const saved = JSON.parse(result!.stdout) as Saved;
      expect(saved.sources[0]!.record).toMatchObject({ replicaId: replica, node: 'manager-1', exit: 'exit 0' });
      expect(saved.sources[0]!.record['notIncluded']).toMatch(/image content .* is not in an MSR backup/);
      expect(rawBytes(repo).includes(Buffer.from(password))).toBe(false);
      const out = join(s.dir, 'msr.tar');
      await s.ok(['restore', saved.id!, '--repo', repo, '--msr-output', out]);
      const dir = join(s.dir, 'msr-out');
      mkdirSync(dir);
      execFileSync('tar', ['-C', dir, '-xf', out]);
      expect(readFileSync(join(dir, 'replica-id'), 'utf8').trim()).toBe(replica);
      expect(readFileSync(join(dir, 'password.sha256'), 'utf8').split(' ')[0]).toBe(createHash('sha256').update(password).digest('hex'));
    } finally {
      docker(manager, ['rm', '-f', `dtr-rethinkdb-${replica}`]);
    }
  });

  it('doctor checks the secrets a plan names: readable by others or missing is a failed check naming the field', async () => {
    const loose = join(s.dir, 'loose-passphrase');
    writeFileSync(loose, `${passphrase}\n`, { mode: 0o644 });
    const config = join(s.dir, 'doctor.yaml');
    writeFileSync(config, stringify({
      repositories: { main: { url: repo, passwordFile: s.passwordFile } },
      plans: { mirantis: { repository: 'main', sources: [apiEntry({ passphraseFile: loose }), { type: 'msr', image: images.dtr, ucpUrl: 'https://mke', ucpUsername: 'admin', ucpPasswordFile: join(s.dir, 'missing'), ucpInsecureTls: true }] } },
    }));
    const failed = await s.run(['doctor', '--config', config, '--json']);
    expect(failed.code).toBe(1);
    const files = (JSON.parse(failed.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks.find((c) => c.id === 'files')!;
    expect(files.status).toBe('fail');
    expect(files.detail).toContain(`plans.mirantis.sources[0].passphraseFile: ${loose}: readable by everyone (mode 0644): chmod 600 ${loose}`);
    expect(files.detail).toContain(`plans.mirantis.sources[1].ucpPasswordFile: ${join(s.dir, 'missing')}: no such file`);
    expect(failed.stdout + failed.stderr).not.toContain(passphrase);
  });

  it('runs a source only where its placement allows, and once per cycle among the nodes that share a plan', async () => {
    const manager = bed().managers[0]!;
    docker(manager, ['node', 'update', '--label-add', 'mke-backup=yes', docker(manager, ['info', '--format', '{{.Swarm.NodeID}}']).trim()]);
    const elsewhere = await backup(sourceFile([apiEntry({ where: { hosts: ['manager-2'] } })]));
    expect((JSON.parse(elsewhere.stdout) as Saved).leftToOthers[0]).toMatch(/^mke: not placed on manager-1 \(--source-file \S+ \[0\]\.where\.hosts: manager-2\)$/);
    const worker = await backup(sourceFile([apiEntry({ where: { role: 'worker' } })]));
    expect((JSON.parse(worker.stdout) as Saved).leftToOthers[0]).toMatch(/^mke: not placed on manager-1: it is a swarm manager \(.*where\.role: worker\)$/);
    const unlabelled = await backup(sourceFile([apiEntry({ where: { labels: { 'mke-backup': 'no' } } })]));
    expect((JSON.parse(unlabelled.stdout) as Saved).leftToOthers[0]).toMatch(/mke-backup=no is not among its labels/);
    const commands = await backup(sourceFile([
      { type: 'command', name: 'here', command: ['echo', 'x'], where: { hosts: ['manager-1'] } },
      { type: 'command', name: 'there', command: ['echo', 'y'], where: { hosts: ['manager-2'] } },
    ]));
    expect(commands.code, commands.stderr).toBe(0);
    const kept = JSON.parse(commands.stdout) as Saved;
    expect((kept.sources[0]!.record['items'] as { name: string }[]).map((i) => i.name)).toEqual(['here']);
    expect(kept.warnings.join('\n')).toMatch(/command there: not placed on manager-1 \(.*where\.hosts: manager-2\)/);
    const placed = await backup(sourceFile([apiEntry({ where: { role: 'manager', labels: { 'mke-backup': 'yes' } } })]));
    expect((JSON.parse(placed.stdout) as Saved).sources[0]!.record['verified']).toBe(true);

    // Two nodes running the same plan in one window: the first takes MKE, the second names it.
    const planned = join(s.dir, 'strata.yaml');
    writeFileSync(planned, stringify({
      repositories: { main: { url: repo, passwordFile: s.passwordFile } },
      plans: { mirantis: { repository: 'main', sources: [apiEntry({ ha: { window: '1h' } })] } },
    }));
    const first = await s.run(['run', 'mirantis', '--config', planned, '--host-root', hostRoot, '--node', 'manager-1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const second = await s.run(['run', 'mirantis', '--config', planned, '--host-root', hostRoot, '--node', 'manager-1', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/mke: this cycle \(strata-cycle-mirantis\.mke-\d{8}T\d{6}Z\) is taken by \S+ \(node \w+\) since \S+: done/);
    expect(existsSync(join(hostRoot, 'var/lib/strata/mke'))).toBe(true);
  });

  sourceConformance(() => ({
    type: 'msr',
    async prepare() {
      docker(bed().managers[0]!, ['run', '-d', '--name', 'dtr-rethinkdb-0123456789ab', '--entrypoint', '/bin/sleep', images.dtr, '3600']);
    },
    backupArgs: () => ['--source-file', sourceFile([{ type: 'msr', image: images.dtr, ucpUrl: 'https://mke.example', ucpUsername: 'admin', ucpPasswordFile: passwordFile, ucpInsecureTls: true, dockerHost: bed().managers[0]!.host }])],
    async restoreInto(t, target, id) {
      const out = join(t.dir, `msr-${randomBytes(3).toString('hex')}.tar`);
      return { args: [id, '--repo', target, '--msr-output', out], read: () => Promise.resolve(existsSync(out) ? tarList(readFileSync(out)).sort() : 'nothing restored') };
    },
    original: () => ['./', './notary/', './password.sha256', './replica-id', './rethink/', ...[1, 2, 3, 4, 5].map((i) => `./rethink/table-${i}`), './tls', './ucp-url', './ucp-username'].sort(),
    unchangedBytes: 64 * 1024,
    async failing() {
      // An image whose tool fails (the fake ucp refuses dtr's flags): the item is named, the rest kept.
      const msr = { type: 'msr', image: images.ucp, ucpUrl: 'https://mke.example', ucpUsername: 'admin', ucpPasswordFile: passwordFile, ucpInsecureTls: true, dockerHost: bed().managers[0]!.host };
      return { args: ['--source-file', sourceFile([msr, { type: 'command', name: 'ok', command: ['echo', 'ok'] }])], item: /msr: mirantis\/ucp:\S+ backup: exit 1/ };
    },
  }));

  sourceConformance(() => {
    const entry = () => ({ type: 'mke', method: 'cli', image: images.ucp, dockerHost: bed().managers[0]!.host, passphraseFile });
    return {
      type: 'mke',
      prepare: () => Promise.resolve(),
      backupArgs: () => ['--source-file', sourceFile([entry()])],
      async restoreInto(t, target, id) {
        const out = join(t.dir, `mke-${randomBytes(3).toString('hex')}.tar.gpg`);
        return { args: [id, '--repo', target, '--mke-output', out], read: () => Promise.resolve(existsSync(out) ? tarList(gpgDecrypt(out, passphraseFile, gpgHome)).sort() : 'nothing restored') };
      },
      // The fake's layout: what a backup of it lists, whatever its random key material.
      original: () => tarList(execFileSync('docker', ['--host', bed().managers[0]!.host, 'run', '--rm', '-i', '--log-driver', 'none', '-v', `${bed().managers[0]!.host.slice('unix://'.length)}:/var/run/docker.sock`, images.ucp, 'backup', '--no-passphrase'], { maxBuffer: 1 << 26 })).sort(),
      // Each archive is encrypted afresh (a new session key), so it is all new: a small one here.
      unchangedBytes: 64 * 1024,
      async failing() {
        return { args: ['--source-file', sourceFile([{ ...entry(), image: images.ucpFailing }, { type: 'command', name: 'ok', command: ['echo', 'ok'] }])], item: /mke: mirantis\/ucp:\S+ backup: exit 1: fake ucp: backup failed/ };
      },
    };
  });
});
