/**
 * Test images made here (nothing can be pulled from outside): layers are tar archives of a
 * few files, gzipped deterministically, so a base layer shared by two images is the same
 * blob; an image is one manifest, or an index of several platforms. They are written as an
 * OCI image layout and pushed with Debian's skopeo, an independent client.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureProgram } from '../../testbed/apt.ts';

export interface Platform {
  readonly architecture: string;
  /** Each layer: file name → content. */
  readonly layers: readonly Readonly<Record<string, string | Buffer>>[];
}

export interface TestImage {
  readonly created: string;
  readonly platforms: readonly Platform[];
}

/** Asynchronous: a token server in this process must go on answering while skopeo runs. */
const run = promisify(execFile);

const sha = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function tarOf(files: Readonly<Record<string, string | Buffer>>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'strata-layer-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return execFileSync('tar', ['-C', dir, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', ...Object.keys(files).sort()], { maxBuffer: 512 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the image into an OCI layout at `dir` under `tag`; returns the top manifest's digest. */
export function writeLayout(dir: string, tag: string, image: TestImage): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const put = (data: Buffer) => {
    const digest = sha(data);
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const manifests = image.platforms.map((p) => {
    const tars = p.layers.map(tarOf);
    const layers = tars.map((t) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(gzipSync(t, { level: 1 })) }));
    const config = { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(Buffer.from(JSON.stringify({ created: image.created, architecture: p.architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: tars.map(sha) }, config: {} }))) };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers }));
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(manifest), platform: { os: 'linux', architecture: p.architecture } };
  });
  const top = manifests.length === 1
    ? manifests[0]!
    : { mediaType: 'application/vnd.oci.image.index.v1+json', ...put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }))) };
  const descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.size };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...descriptor, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  return top.digest;
}

export interface PushTarget {
  readonly host: string;
  readonly caFile: string;
  readonly username: string;
  readonly password: string;
}

/** skopeo's certificate directory: the CA as ca.crt. */
function certDir(caFile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-certs-'));
  writeFileSync(join(dir, 'ca.crt'), readFileSync(caFile));
  return dir;
}

export function skopeo(): string {
  return ensureProgram(['/usr/bin/skopeo'], ['skopeo']);
}

/** Pushes an image with skopeo; returns its digest. */
export async function pushImage(target: PushTarget, repository: string, tag: string, image: TestImage): Promise<string> {
  const layout = mkdtempSync(join(tmpdir(), 'strata-layout-'));
  const certs = certDir(target.caFile);
  try {
    const digest = writeLayout(layout, tag, image);
    await run(skopeo(), ['copy', '--quiet', '--all', '--preserve-digests', '--dest-cert-dir', certs, '--dest-creds', `${target.username}:${target.password}`, `oci:${layout}:${tag}`, `docker://${target.host}/${repository}:${tag}`], { timeout: 300_000 });
    return digest;
  } finally {
    rmSync(layout, { recursive: true, force: true });
    rmSync(certs, { recursive: true, force: true });
  }
}

/** The manifest bytes exactly as the registry serves them, through skopeo. */
export async function rawManifest(target: PushTarget, reference: string): Promise<string> {
  const certs = certDir(target.caFile);
  try {
    return (await run(skopeo(), ['inspect', '--raw', '--cert-dir', certs, '--creds', `${target.username}:${target.password}`, `docker://${target.host}/${reference}`], { encoding: 'utf8', timeout: 120_000 })).stdout;
  } finally {
    rmSync(certs, { recursive: true, force: true });
  }
}

/** Pulls every platform and blob with skopeo (which checks every digest) into a layout; throws when one fails. */
export async function pullAll(target: PushTarget, reference: string): Promise<void> {
  const layout = mkdtempSync(join(tmpdir(), 'strata-pull-'));
  const certs = certDir(target.caFile);
  try {
    await run(skopeo(), ['copy', '--quiet', '--all', '--preserve-digests', '--src-cert-dir', certs, '--src-creds', `${target.username}:${target.password}`, `docker://${target.host}/${reference}`, `oci:${layout}:x`], { timeout: 300_000 });
  } finally {
    rmSync(layout, { recursive: true, force: true });
    rmSync(certs, { recursive: true, force: true });
  }
}

/** A repository's tags and the digest of each, read with skopeo; 'absent' when the registry has no such repository. */
export async function tagDigests(target: PushTarget, repository: string): Promise<Record<string, string> | 'absent'> {
  const certs = certDir(target.caFile);
  try {
    let tags: string[];
    try {
      tags = (JSON.parse((await run(skopeo(), ['list-tags', '--cert-dir', certs, '--creds', `${target.username}:${target.password}`, `docker://${target.host}/${repository}`], { encoding: 'utf8', timeout: 120_000 })).stdout) as { Tags: string[] }).Tags;
    } catch (error) {
      if (/NAME_UNKNOWN|name unknown|repository name not known|404 \(Not Found\)/i.test(String((error as { stderr?: string }).stderr ?? error))) return 'absent';
      throw error;
    }
    const digests: Record<string, string> = {};
    for (const tag of tags.sort()) digests[tag] = sha(Buffer.from(await rawManifest(target, `${repository}:${tag}`)));
    return digests;
  } finally {
    rmSync(certs, { recursive: true, force: true });
  }
}
