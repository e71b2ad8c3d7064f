/**
 * Runs `rbd` inside the Rook toolbox pod through the API server's pods/exec, for clusters
 * where this machine has no route or key to Ceph: always an argument list, never a shell
 * string. Data streams both ways over the exec channels (export-diff out on standard
 * output, import in on standard input, closed with v5.channel.k8s.io), with back pressure.
 * The pod is the first running one (by name) that the selector matches, found once.
 */
import { PassThrough, type Readable } from 'node:stream';
import { OperationError } from '../../../core/errors.ts';
import type { KubeHttp } from '../../../kube/http.ts';
import { openExec, type ExecStream } from '../../../kube/exec.ts';
import { interruption } from '../../../programs/interruption.ts';
import { connectionArgs, RBD_TIMEOUT_MS, rbdFailure, type RbdConnection, type RbdRunner } from './runner.ts';

export interface Toolbox {
  readonly namespace: string;
  /** Label selector of the toolbox pods (Rook's: app=rook-ceph-tools). */
  readonly selector: string;
  readonly container?: string;
}

export const ROOK_TOOLBOX_SELECTOR = 'app=rook-ceph-tools';

export class ToolboxRbd implements RbdRunner {
  private readonly http: KubeHttp;
  private readonly toolbox: Toolbox;
  private readonly connection: RbdConnection;
  private pod: Promise<string> | undefined;

  constructor(http: KubeHttp, toolbox: Toolbox, connection: RbdConnection = {}) {
    this.http = http;
    this.toolbox = toolbox;
    this.connection = connection;
  }

  private findPod(): Promise<string> {
    this.pod ??= (async () => {
      const { namespace, selector } = this.toolbox;
      const list = await this.http.json<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { query: { labelSelector: selector } });
      const name = list.items.filter((p) => p.status?.phase === 'Running').map((p) => p.metadata.name).sort()[0];
      if (name === undefined) throw new OperationError(`no running Rook toolbox pod in ${namespace} matches ${selector}`, { hint: 'deploy the toolbox (rook-ceph-tools), or give the selector of yours' });
      return name;
    })();
    this.pod.catch(() => (this.pod = undefined));
    return this.pod;
  }

  /**
   * The same limits as a local rbd (runner.ts): closed when it runs too long — or, moving
   * data, goes too long without a byte — and when Strata is interrupted. Closing the exec
   * stream is all Strata can do from here; the pod's rbd then loses its standard streams.
   */
  private async start(args: readonly string[], stdin: boolean, streaming = false): Promise<{ exec: ExecStream; where: string; moved: () => void }> {
    const pod = await this.findPod();
    const exec = await openExec(this.http, {
      namespace: this.toolbox.namespace, pod, stdin,
      ...(this.toolbox.container !== undefined && { container: this.toolbox.container }),
      command: ['rbd', ...connectionArgs(this.connection), ...args],
    });
    const limitMs = this.connection.timeoutMs ?? RBD_TIMEOUT_MS;
    const minutes = `${Math.round(limitMs / 60_000)}m`;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => exec.close(streaming ? `no progress for ${minutes}` : `timed out after ${minutes}`), limitMs);
    };
    arm();
    if (streaming) exec.stdout.on('data', arm);
    const onInterrupt = () => exec.close('interrupted');
    interruption.addEventListener('abort', onInterrupt, { once: true });
    void exec.done.finally(() => {
      clearTimeout(timer);
      interruption.removeEventListener('abort', onInterrupt);
    });
    return { exec, where: ` (in pod ${this.toolbox.namespace}/${pod})`, moved: arm };
  }

  private static async check(args: readonly string[], exec: ExecStream, where: string): Promise<void> {
    const result = await exec.done;
    if (!result.ok) throw rbdFailure(args, result.stderr, result.outcome, where);
  }

  async run(args: readonly string[]): Promise<string> {
    const { exec, where } = await this.start(args, false);
    let stdout = '';
    exec.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const drained = new Promise((resolve) => exec.stdout.on('end', resolve));
    await Promise.all([ToolboxRbd.check(args, exec, where), drained]);
    return stdout;
  }

  read(args: readonly string[]): { output: Readable; done: Promise<void> } {
    const output = new PassThrough();
    const done = (async () => {
      const { exec, where } = await this.start(args, false, true);
      exec.stdout.pipe(output);
      output.on('close', () => exec.close('the reader stopped'));
      await ToolboxRbd.check(args, exec, where);
    })();
    done.catch((error: unknown) => output.destroy(error as Error));
    return { output, done };
  }

  async write(args: readonly string[], input: AsyncIterable<Uint8Array>): Promise<void> {
    const { exec, where, moved } = await this.start(args, true, true);
    exec.stdout.resume();
    try {
      for await (const chunk of input) {
        await exec.write(chunk);
        moved();
      }
      exec.end();
    } catch (error) {
      exec.close('the input failed');
      throw error;
    }
    await ToolboxRbd.check(args, exec, where);
  }
}
