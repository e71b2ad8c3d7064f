/**
 * Runs a command in a pod's container through the API server's `pods/exec` WebSocket (the
 * channel protocol kubectl speaks: v5/v4.channel.k8s.io). The command is an argument list,
 * never a shell string. Frames carry a channel byte: 1 stdout, 2 stderr, 3 the final
 * metav1.Status (Success, or Failure with the exit code or the reason).
 */
import type { Duplex } from 'node:stream';
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

export async function execInPod(http: KubeHttp, request: ExecRequest): Promise<ExecResult> {
  const query: [string, string][] = [['stdout', 'true'], ['stderr', 'true']];
  if (request.container !== undefined) query.push(['container', request.container]);
  for (const arg of request.command) query.push(['command', arg]);
  const path = `/api/v1/namespaces/${encodeURIComponent(request.namespace)}/pods/${encodeURIComponent(request.pod)}/exec`;
  const { socket, head } = await http.upgrade(path, query, PROTOCOLS);
  return readChannels(socket, head, request);
}

function readChannels(socket: Duplex, head: Buffer, request: ExecRequest): Promise<ExecResult> {
  return new Promise((resolve) => {
    let buffered = head;
    let stdout = '';
    let stderr = '';
    let status: ExecStatus | undefined;
    let settled = false;
    const finish = (forced?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ ...outcomeOf(status, forced), stdout, stderr });
    };
    const timer = setTimeout(() => finish(`timed out after ${Math.round(request.timeoutMs / 1000)}s (connection closed; the process in the pod may still run)`), request.timeoutMs);
    const onAbort = () => finish('interrupted');
    request.signal?.addEventListener('abort', onAbort, { once: true });

    const frame = (opcode: number, payload: Buffer) => {
      if (opcode === 8) return finish();
      if (opcode === 9) return void socket.write(maskedFrame(10, payload));
      if ((opcode !== 1 && opcode !== 2) || payload.length === 0) return;
      const channel = payload[0];
      const data = payload.subarray(1).toString('utf8');
      if (channel === 1) stdout = (stdout + data).slice(-KEEP);
      else if (channel === 2) stderr = (stderr + data).slice(-KEEP);
      else if (channel === 3 && data.length > 0) {
        try {
          status = JSON.parse(data) as ExecStatus;
        } catch {
          status = { status: 'Failure', message: data };
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
  });
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
