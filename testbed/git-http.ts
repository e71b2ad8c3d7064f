/**
 * A real git server over HTTPS for the history tests: Node's https server in front of git's
 * own smart-HTTP CGI (`git http-backend`), with a certificate from a private CA and Basic
 * authentication against one token, as a hosted git service takes an access token.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createPki } from './pki.ts';

export interface GitHttpServer {
  /** https://127.0.0.1:PORT/ — a repository is ROOT/NAME.git, reached at this URL + NAME.git. */
  readonly url: string;
  readonly root: string;
  readonly caFile: string;
  /** Requests refused for a missing or wrong token. */
  readonly refused: () => number;
  close(): Promise<void>;
}

export async function startGitHttp(dir: string, username: string, token: string): Promise<GitHttpServer> {
  const root = join(dir, 'repositories');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const pki = createPki(join(dir, 'pki'));
  const serving = pki.issue('git-http', { cn: '127.0.0.1' }, 'server', ['IP:127.0.0.1']);
  const expected = `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
  let refused = 0;
  const server: Server = createServer({ cert: readFileSync(serving.cert), key: readFileSync(serving.key) }, (request, response) => {
    if (request.headers.authorization !== expected) {
      refused++;
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'], GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
        REQUEST_METHOD: request.method ?? 'GET', PATH_INFO: decodeURIComponent(url.pathname), QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '', REMOTE_USER: username, REMOTE_ADDR: '127.0.0.1',
        ...(request.headers['content-encoding'] !== undefined && { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] }),
        ...(request.headers['git-protocol'] !== undefined && { GIT_PROTOCOL: String(request.headers['git-protocol']) }),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    request.pipe(cgi.stdin);
    // CGI output: headers (Status: among them), a blank line, then the body.
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (started) return void response.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      started = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else response.setHeader(name, value);
      }
      response.writeHead(status);
      response.write(head.subarray(end + 4));
    });
    cgi.on('close', () => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/`,
    root,
    caFile: pki.ca.cert,
    refused: () => refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
