/**
 * Real OCI registries for the registry tests: Debian's docker-registry (the CNCF
 * distribution 2.8.2) or the CNCF distribution v3 (built from its Go module) on 127.0.0.1 with its own storage, TLS from the test bed's CA, and
 * either htpasswd (Basic) or token authentication against a token server in this process
 * (an ES256 JWT with an x5c header, as the distribution spec's token flow has it).
 */
import { execFileSync } from 'node:child_process';
import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ensureProgram } from './apt.ts';
import { binary as testbedBinary } from './binaries.ts';
import { createPki } from './pki.ts';
import { freePort, startProcess, stopProcess, waitFor, type ManagedProcess } from './processes.ts';

export interface TestRegistry {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly host: string;
  readonly caFile: string;
  readonly username: string;
  readonly password: string;
  readonly storage: string;
  readonly process: ManagedProcess;
  /** The registry's own garbage collection (stopped first, as the registry requires). */
  garbageCollect(): Promise<void>;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  readonly auth: 'htpasswd' | 'token';
  /** Debian's docker-registry (distribution 2.8.2, the default) or the CNCF distribution v3 built from its Go module. */
  readonly version?: '2.8' | 'v3';
  readonly username?: string;
  readonly password?: string;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A token server: Basic credentials in, a JWT granting what was asked out. */
async function startTokenServer(dir: string, username: string, password: string): Promise<{ realm: string; cert: string; server: Server }> {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'token.key'), '-out', join(dir, 'token.crt'), '-days', '30', '-subj', '/CN=strata-test-token'], { stdio: 'ignore' });
  const key = readFileSync(join(dir, 'token.key'));
  const der = new X509Certificate(readFileSync(join(dir, 'token.crt'))).raw;
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.headers.authorization !== expected) {
      response.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const [type, name, actions] = [scope.slice(0, scope.indexOf(':')), scope.slice(scope.indexOf(':') + 1, scope.lastIndexOf(':')), scope.slice(scope.lastIndexOf(':') + 1)];
      return type === '' ? [] : [{ type, name, actions: actions.split(',') }];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [der.toString('base64')] }));
    const claims = base64url(JSON.stringify({ iss: 'strata-test', sub: username, aud: url.searchParams.get('service'), iat: now, nbf: now - 5, exp: now + 300, jti: randomBytes(8).toString('hex'), access }));
    const signature = createSign('SHA256').update(`${header}.${claims}`).sign({ key, dsaEncoding: 'ieee-p1363' });
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${base64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // "localhost", not the IP literal: some clients (crane) refuse a realm on a loopback IP.
  return { realm: `http://localhost:${(server.address() as AddressInfo).port}/token`, cert: join(dir, 'token.crt'), server };
}

export async function startRegistry(dir: string, options: RegistryOptions): Promise<TestRegistry> {
  const binary = options.version === 'v3' ? testbedBinary('distribution', 'registry') : ensureProgram(['/usr/bin/docker-registry'], ['docker-registry']);
  const htpasswd = ensureProgram(['/usr/bin/htpasswd'], ['apache2-utils']);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const username = options.username ?? 'strata';
  const password = options.password ?? randomBytes(12).toString('hex');
  const pki = createPki(join(dir, 'pki'));
  const serving = pki.issue('registry', { cn: '127.0.0.1' }, 'server', ['IP:127.0.0.1', 'DNS:localhost']);
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const port = await freePort();
  let auth: string;
  let token: Awaited<ReturnType<typeof startTokenServer>> | undefined;
  if (options.auth === 'htpasswd') {
    writeFileSync(join(dir, 'htpasswd'), execFileSync(htpasswd, ['-nbB', username, password], { encoding: 'utf8' }));
    auth = `  htpasswd:\n    realm: strata-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else {
    token = await startTokenServer(dir, username, password);
    auth = `  token:\n    realm: ${token.realm}\n    service: strata-test-registry\n    issuer: strata-test\n    rootcertbundle: ${token.cert}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, [
    'version: 0.1', 'log: { level: warn }', 'storage:', `  filesystem: { rootdirectory: ${storage} }`, '  delete: { enabled: true }',
    'http:', `  addr: 127.0.0.1:${port}`, `  secret: ${randomBytes(16).toString('hex')}`, `  tls: { certificate: ${serving.cert}, key: ${serving.key} }`,
    'auth:', auth,
  ].join('\n'));
  const env = { OTEL_TRACES_EXPORTER: 'none' };
  const start = async () => {
    const name = options.version === 'v3' ? 'distribution-v3' : 'docker-registry';
    const started = startProcess(name, binary, ['serve', config], join(dir, 'registry.log'), env);
    await waitFor(name, async () => {
      try {
        execFileSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-brief'], { input: '', stdio: ['pipe', 'ignore', 'ignore'], timeout: 5_000 });
        return true;
      } catch {
        return false;
      }
    }, 30_000, started);
    return started;
  };
  let process_ = await start();
  return {
    url: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    caFile: pki.ca.cert,
    username,
    password,
    storage,
    get process() {
      return process_;
    },
    async garbageCollect() {
      await stopProcess(process_);
      execFileSync(binary, ['garbage-collect', '--delete-untagged', config], { stdio: 'ignore', env: { ...process.env, ...env } });
      process_ = await start();
    },
    async stop() {
      await stopProcess(process_);
      await new Promise<void>((resolve) => (token === undefined ? resolve() : token.server.close(() => resolve())));
    },
  };
}
