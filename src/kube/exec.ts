/**
 * Runs a command in a pod's container through the API server's `pods/exec` WebSocket (the
 * channel protocol kubectl speaks: v5/v4.channel.k8s.io). The command is an argument list,
 * never a shell string. Frames carry a channel byte: 1 stdout, 2 stderr, 3 the final
 * metav1.Status (Success, or Failure with the exit code or the reason); channel 0 carries
 * standard input, and v5's channel 255 closes it. Standard output can be a byte stream
 * (openExec: `rbd export-diff` from the Rook toolbox) or collected text (execInPod: hooks).
 */
import { PassThrough, type Readable } from 'node:stream';
import type { KubeHttp } from './http.ts';

export interface ExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string;
  readonly command: readonly string[];
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface ExecResult {
  readonly ok: boolean;
  /** exit N, the failure the API server reported, or the timeout. */
  readonly outcome: string;
  readonly stdout: string;
  readonly stderr: string;
}

interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** Output kept per stream: hooks print progress, not data. */
const KEEP = 64 * 1024;
/** Standard input goes out in frames of at most this many bytes (a 16-bit WebSocket length). */
const STDIN_FRAME = 60 * 1024;
/** v5's channel for closing a stream: payload [0] closes standard input. */
const CLOSE_CHANNEL = 255;

export interface ExecStreamRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string;
  readonly command: readonly string[];
  /** Whether the command reads standard input (written with `write`, closed with `end`). */
  readonly stdin: boolean;
}

/** A command running in a pod, its standard output as a byte stream. */
export interface ExecStream {
  readonly stdout: Readable;
  /** Sends bytes to the command's standard input; resolves when the socket took them. */
  write(chunk: Uint8Array): Promise<void>;
  /** Closes standard input (v5.channel.k8s.io; the command then sees end of file). */
  end(): void;
  /** Settles when the command ended: its result and the tail of its standard error. */
  readonly done: Promise<{ ok: boolean; outcome: string; stderr: string }>;
  /** Drops the connection (the command in the pod may go on). */
  close(reason?: string): void;
}

export async function openExec(http: KubeHttp, request: ExecStreamRequest): Promise<ExecStream> {
  const query: [string, string][] = [['stdout', 'true'], ['stderr', 'true']];
  if (request.stdin) query.push(['stdin', 'true']);
  if (request.container !== undefined) query.push(['container', request.container]);
  for (const arg of request.command) query.push(['command', arg]);
  const path = `/api/v1/namespaces/${encodeURIComponent(request.namespace)}/pods/${encodeURIComponent(request.pod)}/exec`;
  const { socket, head, protocol } = await http.upgrade(path, query, PROTOCOLS);
  if (request.stdin && protocol !== 'v5.channel.k8s.io') {
    socket.destroy();
    throw new Error(`pods/exec of ${request.namespace}/${request.pod}: the API server speaks ${protocol || 'no known protocol'}, which cannot close standard input (v5.channel.k8s.io, Kubernetes ≥ 1.29, is needed)`);
  }
  if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0);
  const stdout = new PassThrough();
  let stderr = '';
  let status: ExecStatus | undefined;
  let settled = false;
  let resolveDone: (value: { ok: boolean; outcome: string; stderr: string }) => void = () => undefined;
  const done = new Promise<{ ok: boolean; outcome: string; stderr: string }>((resolve) => (resolveDone = resolve));
  const finish = (forced?: string) => {
    if (settled) return;
    settled = true;
    socket.destroy();
    stdout.end();
    resolveDone({ ...outcomeOf(status, forced), stderr });
  };
  // Back pressure: a slow reader of stdout pauses the socket, and so the command in the pod.
  stdout.on('drain', () => socket.resume());
  let buffered = head;
  const frame = (opcode: number, payload: Buffer) => {
    if (opcode === 8) return finish();
    if (opcode === 9) return void socket.write(maskedFrame(10, payload));
    if ((opcode !== 1 && opcode !== 2) || payload.length === 0) return;
    const channel = payload[0];
    const data = payload.subarray(1);
    if (channel === 1) {
      if (data.length > 0 && !stdout.write(data)) socket.pause();
    } else if (channel === 2) stderr = (stderr + data.toString('utf8')).slice(-KEEP);
    else if (channel === 3 && data.length > 0) {
      try {
        status = JSON.parse(data.toString('utf8')) as ExecStatus;
      } catch {
        status = { status: 'Failure', message: data.toString('utf8') };
      }
    }
  };
  const parse = () => {
    for (;;) {
      const parsed = nextFrame(buffered);
      if (parsed === undefined) return;
      buffered = buffered.subarray(parsed.size);
      frame(parsed.opcode, parsed.payload);
      if (settled) return;
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    parse();
  });
  socket.on('end', () => finish());
  socket.on('close', () => finish());
  socket.on('error', (error) => finish(`connection failed: ${error.message}`));
  parse();
  const send = (payload: Buffer) => new Promise<void>((resolve, reject) => {
    if (settled) return reject(new Error(`the command in ${request.namespace}/${request.pod} ended before reading all of its input`));
    socket.write(maskedFrame(2, payload), (error) => (error ? reject(error) : resolve()));
  });
  return {
    stdout,
    async write(chunk) {
      for (let at = 0; at < chunk.length; at += STDIN_FRAME) await send(Buffer.concat([Buffer.from([0]), chunk.subarray(at, at + STDIN_FRAME)]));
    },
    end() {
      if (!settled) socket.write(maskedFrame(2, Buffer.from([CLOSE_CHANNEL, 0])));
    },
    done,
    close: (reason) => finish(reason ?? 'closed'),
  };
}

export async function execInPod(http: KubeHttp, request: ExecRequest): Promise<ExecResult> {
  const exec = await openExec(http, { ...request, stdin: false });
  let stdout = '';
  exec.stdout.setEncoding('utf8').on('data', (text: string) => (stdout = (stdout + text).slice(-KEEP)));
  const drained = new Promise((resolve) => exec.stdout.on('end', resolve));
  const timer = setTimeout(() => exec.close(`timed out after ${Math.round(request.timeoutMs / 1000)}s (connection closed; the process in the pod may still run)`), request.timeoutMs);
  const onAbort = () => exec.close('interrupted');
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [result] = await Promise.all([exec.done, drained]);
    return { ok: result.ok, outcome: result.outcome, stdout, stderr: result.stderr };
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  }
}

function outcomeOf(status: ExecStatus | undefined, forced: string | undefined): { ok: boolean; outcome: string } {
  if (forced !== undefined) return { ok: false, outcome: forced };
  if (status === undefined) return { ok: false, outcome: 'the connection closed without a result' };
  if (status.status === 'Success') return { ok: true, outcome: 'exit 0' };
  const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  return { ok: false, outcome: code !== undefined ? `exit ${code}` : (status.message ?? status.reason ?? 'failed') };
}

/** One WebSocket frame from the start of `data`, or undefined when it is not complete yet. */
function nextFrame(data: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = data[0]! & 0x0f;
  const masked = (data[1]! & 0x80) !== 0;
  let length = data[1]! & 0x7f;
  let at = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    at = 10;
  }
  const mask = masked ? data.subarray(at, at + 4) : undefined;
  if (masked) at += 4;
  if (data.length < at + length) return undefined;
  const payload = Buffer.from(data.subarray(at, at + length));
  if (mask !== undefined) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { opcode, payload, size: at + length };
}

/** A client frame: clients must mask what they send. */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([0x5a, 0x17, 0xc3, 0x8e]);
  const header = payload.length < 126 ? Buffer.from([0x80 | opcode, 0x80 | payload.length]) : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([header, mask, body]);
}
