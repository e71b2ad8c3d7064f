/**
 * The registry benchmark: a registry of ~2 GB in 50 repositories (two tags each, the second
 * sharing all but its top layer with the first, and every image on one of five shared base
 * layers), on Debian's docker-registry 2.8.2 over TLS.
 * - backup: `strata backup --registry` against `regctl image copy` of every tag into a second
 *   registry (the tool a user would pick instead), target ≤ 1.0× its time;
 * - size: the repository against the registry's own storage, target ≤ 1.0×;
 * - a no-change re-backup against the first, target ≤ 0.1× in time;
 * - restore: `strata restore --registry --to` an empty registry against the same regctl copy.
 * Layers are random bytes (they do not compress, as real gzip layers do not).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, versions } from '../testbed/binaries.ts';
import { startRegistry, type TestRegistry } from '../testbed/registry.ts';
import { pushImage, type TestImage } from '../test/helpers/oci-images.ts';
import { du, measure, printTable, type Row, strataCommand } from './measure.ts';

const MiB = 1024 * 1024;
const REPOSITORIES = 50;
const BASES = 5;

/** regctl with its own configuration folder: the registries' CAs and logins, nothing of the user's. */
function regctl(home: string, registries: readonly TestRegistry[]): (args: readonly string[]) => string[] {
  const program = binary('regclient', 'regctl');
  const run = (args: readonly string[], input?: string) => execFileSync(program, args, { env: { ...process.env, HOME: home }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(input !== undefined && { input }) });
  for (const r of registries) {
    try {
      run(['registry', 'set', r.host, '--tls', 'enabled', '--cacert', readFileSync(r.caFile, 'utf8')]);
    } catch {
      // It saves the settings, then pings without credentials (not given yet) and exits non-zero.
    }
    run(['registry', 'login', r.host, '-u', r.username, '--pass-stdin'], r.password);
  }
  return (args) => ['env', `HOME=${home}`, program, ...args];
}

export async function runRegistryBench(scale: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-registry-'));
  const registries: TestRegistry[] = [];
  try {
    const start = async (name: string) => {
      const r = await startRegistry(join(dir, name), { auth: 'htpasswd' });
      registries.push(r);
      return r;
    };
    const source = await start('source');
    const copyTarget = await start('regctl-copy');
    const restoreTarget = await start('strata-restore');
    const total = 2048 * MiB * scale;
    const baseSize = Math.round((total * 0.25) / BASES);
    const appSize = Math.round((total * 0.7) / REPOSITORIES);
    const topSize = Math.round((total * 0.05) / (REPOSITORIES * 2));
    const bases = Array.from({ length: BASES }, () => ({ 'base.bin': randomBytes(baseSize) }));
    const tags: string[] = [];
    console.log(`pushing ${REPOSITORIES} repositories × 2 tags, ${(total / MiB).toFixed(0)} MiB in all`);
    for (let i = 0; i < REPOSITORIES; i++) {
      const app = { 'app.bin': randomBytes(appSize) };
      for (const tag of ['1.0', '1.1']) {
        const image: TestImage = { created: `2026-11-${tag === '1.0' ? '01' : '02'}T10:00:00Z`, platforms: [{ architecture: 'amd64', layers: [bases[i % BASES]!, app, { 'top.bin': randomBytes(topSize) }] }] };
        await pushImage(source, `bench/app-${String(i).padStart(2, '0')}`, tag, image);
        tags.push(`bench/app-${String(i).padStart(2, '0')}:${tag}`);
      }
    }
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, 'benchmark-password\n', { mode: 0o600 });
    const env = { STRATA_PASSWORD_FILE: passwordFile };
    const secret = (r: TestRegistry) => {
      const file = join(dir, `${r.host.replace(/\W/g, '-')}.password`);
      writeFileSync(file, `${r.password}\n`, { mode: 0o600 });
      return ['--registry-ca-file', r.caFile, '--registry-username', r.username, '--registry-password-file', file];
    };
    const repo = join(dir, 'repo');
    measure(strataCommand(['init', '--repo', repo]), env);

    const backup = measure(strataCommand(['backup', '--repo', repo, '--json', '--registry', source.url, ...secret(source)]), env);
    const first = JSON.parse(backup.stdout) as { summary: { newBytes: number } };
    const again = measure(strataCommand(['backup', '--repo', repo, '--json', '--registry', source.url, ...secret(source)]), env);
    const second = JSON.parse(again.stdout) as { summary: { newBytes: number } };
    const copy = regctl(join(dir, 'regctl-home'), [source, copyTarget]);
    const started = process.hrtime.bigint();
    for (const tag of tags) measure(copy(['image', 'copy', `${source.host}/${tag}`, `${copyTarget.host}/${tag}`]));
    const copySeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const restore = measure(strataCommand(['restore', 'latest', '--repo', repo, '--registry', '--to', restoreTarget.url, ...secret(restoreTarget)]), env);
    // Everything each keeps to give these images back: the registry's blobs and its
    // repositories' links; the repository's packs, index, snapshots, keys and config.
    const storage = du(source.storage);
    const blobs = du(join(source.storage, 'docker/registry/v2/blobs'));
    const stored = du(repo);

    const rows: Row[] = [
      { metric: 'backup, seconds (strata / regctl copy)', strata: backup.seconds, other: copySeconds, ratio: backup.seconds / copySeconds, target: '≤ 1.0' },
      { metric: 'backup peak RSS (MB), against the repository bench\'s 500 MB', strata: backup.peakRssMb, other: 500, ratio: backup.peakRssMb / 500, target: 'information' },
      { metric: 'restore into an empty registry, seconds (strata / regctl copy)', strata: restore.seconds, other: copySeconds, ratio: restore.seconds / copySeconds },
      { metric: 'size, MiB (repository / registry storage)', strata: stored / MiB, other: storage / MiB, ratio: stored / storage, target: '≤ 1.0' },
      { metric: 'size, the repository\'s KiB more than the registry (KiB / MiB of blobs)', strata: (stored - storage) / 1024, other: blobs / MiB, ratio: (stored - storage) / 1024 / (blobs / MiB) },
      { metric: 'no-change re-backup, seconds (second / first)', strata: again.seconds, other: backup.seconds, ratio: again.seconds / backup.seconds, target: '≤ 0.1' },
      { metric: 'no-change re-backup, new MiB (second / first)', strata: second.summary.newBytes / MiB, other: first.summary.newBytes / MiB, ratio: second.summary.newBytes / first.summary.newBytes, target: '≤ 0.1' },
    ];
    printTable(`registry: ${REPOSITORIES} repositories, ${tags.length} tags, ${(blobs / MiB).toFixed(0)} MiB of blobs, strata vs regctl ${versions()['REGCLIENT_VERSION']}`, 'regctl', rows);
  } finally {
    for (const r of registries) await r.stop();
    if (process.env['BENCH_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }
}
