/**
 * The OCI distribution API (v2), the dozen endpoints a backup and a restore need: ping,
 * the catalog and tag lists (paged by `Link`), manifests by tag or digest, blobs streamed
 * and checked against their digest as they arrive, and on the way back: HEAD, cross-
 * repository mount, upload (monolithic or streamed in chunks), and manifests.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { OperationError } from '../../core/errors.ts';
import { MANIFEST_ACCEPT } from '../../core/registry/media-types.ts';
import { digestParts, isDigest, nextLink } from '../../core/registry/protocol.ts';
import { RegistryAuth } from './auth.ts';
import { readAll, RegistryTransport, type RegistryEndpoint, type Request, type Response } from './transport.ts';

export interface Manifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Buffer;
}

/** A registry's error answer: its status and the spec's error code (MANIFEST_UNKNOWN, DENIED …). */
export class RegistryError extends OperationError {
  readonly status: number;
  readonly code: string | undefined;

  constructor(what: string, status: number, body: Buffer) {
    let code: string | undefined;
    let message = body.toString('utf8').slice(0, 300).trim();
    try {
      const first = (JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
      code = first?.code;
      if (first !== undefined) message = `${first.code ?? ''}${first.message !== undefined ? `: ${first.message}` : ''}`;
    } catch {
      // Not the spec's JSON: the text itself is the message.
    }
    super(`${what}: HTTP ${status}${message === '' ? '' : ` ${message}`}`);
    this.status = status;
    this.code = code;
  }
}

const pullScope = (repository: string) => `repository:${repository}:pull`;
const pushScope = (repository: string) => `repository:${repository}:pull,push`;

/** Uploads up to this size go in one PUT; larger ones stream in one PATCH, then the closing PUT. */
const MONOLITHIC_MAX = 32 * 1024 * 1024;

export class RegistryClient {
  readonly transport: RegistryTransport;
  private readonly auth: RegistryAuth;

  constructor(endpoint: RegistryEndpoint) {
    this.transport = new RegistryTransport(endpoint);
    this.auth = new RegistryAuth(endpoint, this.transport);
  }

  get host(): string {
    return this.transport.base.host;
  }

  close(): void {
    this.transport.close();
  }

  /** A request with authentication: a 401 is answered once (a body must then be replayable). */
  private async request(path: string, scope: string, request: Request = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const authorization = this.auth.header(scope);
      const response = await this.transport.send(path, { ...request, headers: { ...request.headers, ...(authorization !== undefined && { Authorization: authorization }) } });
      if (response.status !== 401 || attempt > 0 || (request.body !== undefined && !Buffer.isBuffer(request.body))) {
        if (response.status === 401) {
          const body = await readAll(response.body);
          throw this.auth.refused(`${request.method ?? 'GET'} ${path} still answered 401 (${new RegistryError('', 401, body).message.replace(/^: /, '')})`);
        }
        return response;
      }
      response.body.resume();
      await this.auth.answer(response.headers['www-authenticate'], scope, authorization);
    }
  }

  private async expect(what: string, response: Response, ok: readonly number[]): Promise<Response> {
    if (ok.includes(response.status)) return response;
    throw new RegistryError(what, response.status, await readAll(response.body));
  }

  /** GET /v2/: the registry speaks the API and these credentials are accepted. */
  async ping(): Promise<void> {
    const response = await this.request('/v2/', 'registry:catalog:*');
    await this.expect(`GET ${this.host}/v2/`, response, [200]);
    response.body.resume();
  }

  private async *paged(first: string, scope: string, key: 'repositories' | 'tags', what: string): AsyncGenerator<string> {
    let next: string | undefined = first;
    for (let page = 0; next !== undefined && page < 100_000; page++) {
      const response = await this.expect(what, await this.request(next, scope), [200]);
      const body = JSON.parse((await readAll(response.body)).toString('utf8')) as Record<string, string[] | null>;
      for (const item of body[key] ?? []) yield item;
      const link = response.headers.link;
      next = nextLink(Array.isArray(link) ? link.join(', ') : link, response.url);
    }
  }

  /** Every repository the catalog lists (a registry may disable it: then the plan lists them). */
  catalog(pageSize = 1000): AsyncGenerator<string> {
    return this.paged(`/v2/_catalog?n=${pageSize}`, 'registry:catalog:*', 'repositories', `GET ${this.host}/v2/_catalog`);
  }

  tags(repository: string, pageSize = 1000): AsyncGenerator<string> {
    return this.paged(`/v2/${repository}/tags/list?n=${pageSize}`, pullScope(repository), 'tags', `GET ${this.host}/v2/${repository}/tags/list`);
  }

  /** A manifest by tag or digest, its bytes exactly as served; undefined when the registry has none. */
  async manifest(repository: string, reference: string): Promise<Manifest | undefined> {
    const what = `GET ${this.host}/v2/${repository}/manifests/${reference}`;
    const response = await this.request(`/v2/${repository}/manifests/${reference}`, pullScope(repository), { headers: { Accept: MANIFEST_ACCEPT } });
    if (response.status === 404) {
      response.body.resume();
      return undefined;
    }
    await this.expect(what, response, [200]);
    const bytes = await readAll(response.body);
    // By digest, the bytes must hash to it; by tag, to what the registry's header says (when it says).
    const claimed = isDigest(reference) ? reference : (response.headers['docker-content-digest'] as string | undefined);
    const algorithm = claimed !== undefined && isDigest(claimed) ? digestParts(claimed).algorithm : 'sha256';
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (claimed !== undefined && isDigest(claimed) && claimed !== digest) throw new OperationError(`${what}: the manifest's bytes hash to ${digest}, not ${claimed}`);
    const mediaType = String(response.headers['content-type'] ?? '').split(';')[0]!.trim();
    return { mediaType, digest, bytes };
  }

  /** A blob's bytes, checked against its digest as they stream: a mismatch fails the stream. */
  async blob(repository: string, digest: string): Promise<{ size: number | undefined; stream: Readable }> {
    const what = `GET ${this.host}/v2/${repository}/blobs/${digest}`;
    const response = await this.expect(what, await this.request(`/v2/${repository}/blobs/${digest}`, pullScope(repository)), [200]);
    const length = response.headers['content-length'];
    const stream = verifying(digest, what);
    // pipe() does not pass the source's errors on: a registry that goes away must fail the stream.
    response.body.on('error', (error) => stream.destroy(error));
    return { size: length === undefined ? undefined : Number(length), stream: response.body.pipe(stream) };
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.request(`/v2/${repository}/blobs/${digest}`, pushScope(repository), { method: 'HEAD' });
    response.body.resume();
    if (response.status === 404) return false;
    await this.expect(`HEAD ${this.host}/v2/${repository}/blobs/${digest}`, response, [200]);
    return true;
  }

  /** Cross-repository mount; false when the registry started an upload instead (it had no such blob to mount). */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const scope = `${pushScope(repository)} ${pullScope(from)}`;
    const response = await this.request(`/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, scope, { method: 'POST', body: Buffer.alloc(0) });
    response.body.resume();
    if (response.status === 201) return true;
    await this.expect(`POST ${this.host}/v2/${repository}/blobs/uploads/?mount=${digest}`, response, [202]);
    // An upload was opened instead: leave it, the registry expires unfinished uploads.
    return false;
  }

  /** Uploads a blob: in one PUT when small, else streamed in one PATCH; the registry checks the digest. */
  async uploadBlob(repository: string, digest: string, size: number, content: () => Readable | Promise<Readable>): Promise<void> {
    digestParts(digest);
    const what = `upload of ${digest} to ${this.host}/${repository}`;
    const started = await this.expect(what, await this.request(`/v2/${repository}/blobs/uploads/`, pushScope(repository), { method: 'POST', body: Buffer.alloc(0) }), [202]);
    started.body.resume();
    let location = String(started.headers.location ?? '');
    if (location === '') throw new OperationError(`${what}: the registry gave no upload location`);
    const source = await content();
    if (size <= MONOLITHIC_MAX) {
      const bytes = await readAll(source, MONOLITHIC_MAX + 1);
      const url = this.withDigest(location, started.url, digest);
      const done = await this.request(url, pushScope(repository), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
      (await this.expect(what, done, [201])).body.resume();
      return;
    }
    const patched = await this.request(this.transport.resolve(new URL(location, started.url).toString()).toString(), pushScope(repository), {
      method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream' }, body: source,
    });
    (await this.expect(what, patched, [202])).body.resume();
    location = String(patched.headers.location ?? location);
    const done = await this.request(this.withDigest(location, patched.url, digest), pushScope(repository), { method: 'PUT', body: Buffer.alloc(0) });
    (await this.expect(what, done, [201])).body.resume();
  }

  private withDigest(location: string, base: string, digest: string): string {
    const url = new URL(location, base);
    url.searchParams.set('digest', digest);
    return url.toString();
  }

  /** Puts a manifest under a tag or its digest; returns the digest the registry computed. */
  async putManifest(repository: string, reference: string, manifest: Manifest): Promise<string> {
    const what = `PUT ${this.host}/v2/${repository}/manifests/${reference}`;
    const response = await this.expect(what, await this.request(`/v2/${repository}/manifests/${reference}`, pushScope(repository), {
      method: 'PUT', headers: { 'Content-Type': manifest.mediaType }, body: manifest.bytes,
    }), [201]);
    response.body.resume();
    const digest = response.headers['docker-content-digest'] as string | undefined;
    if (digest !== undefined && digest !== manifest.digest) throw new OperationError(`${what}: the registry stored it as ${digest}, not ${manifest.digest}`);
    return digest ?? manifest.digest;
  }
}

/** A pass-through that hashes what goes by and fails at the end when the digest differs. */
export function verifying(digest: string, what: string): Transform {
  const { algorithm, hex } = digestParts(digest);
  const hash = createHash(algorithm);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const got = hash.digest('hex');
      done(got === hex ? null : new OperationError(`${what}: the bytes hash to ${algorithm}:${got}, not ${digest}`));
    },
  });
}
