/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does
 * it: the holder renews `renewTime` every `renewMs`; a candidate takes the Lease over once
 * `renewTime + leaseDurationSeconds` has passed without a renewal. Every write carries the
 * resourceVersion it read, so two candidates cannot both win: the API server rejects the
 * second with 409. A leader that cannot renew within the duration steps down by itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeHttp } from './http.ts';

export interface LeaseOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly durationMs: number;
  readonly renewMs: number;
  readonly onChange?: (leading: boolean, holder: string | undefined) => void;
  readonly onError?: (error: unknown) => void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** MicroTime, as the Lease API writes it. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaseElector {
  private readonly http: KubeHttp;
  private readonly options: LeaseOptions;
  private readonly abort = new AbortController();
  private leading = false;
  private lastRenewal = 0;
  private holder: string | undefined;
  private loop: Promise<void> | undefined;

  constructor(http: KubeHttp, options: LeaseOptions) {
    this.http = http;
    this.options = options;
  }

  get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
  }

  /** True while this process holds the Lease and renewed it within the duration. */
  isLeader(): boolean {
    return this.leading && Date.now() - this.lastRenewal < this.options.durationMs;
  }

  get currentHolder(): string | undefined {
    return this.holder;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader gives the Lease up so a standby need not wait out the duration. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.leading) await this.release().catch(() => undefined);
    this.setLeading(false);
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.tryAcquireOrRenew();
      } catch (error) {
        this.options.onError?.(error);
      }
      if (this.leading && !this.isLeader()) this.setLeading(false);
      const wait = this.leading ? this.options.renewMs : Math.max(500, Math.floor(this.options.renewMs / 2));
      await sleep(wait, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const now = Date.now();
    const got = await this.http.request<Lease>(`${this.path}/${encodeURIComponent(this.options.name)}`);
    const spec = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.options.durationMs / 1000)),
      renewTime: microTime(now),
    };
    if (got.status === 404) {
      const created = await this.http.request<Lease>(this.path, {
        method: 'POST',
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.options.name, namespace: this.options.namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } },
      });
      this.observe(created.status < 300, now, created.status < 300 ? this.options.identity : undefined);
      return;
    }
    if (got.status >= 300) throw new Error(`lease ${this.options.namespace}/${this.options.name}: HTTP ${got.status}`);
    const lease = got.body;
    const holder = lease.spec.holderIdentity;
    const renewed = Date.parse(lease.spec.renewTime ?? lease.spec.acquireTime ?? '') || 0;
    const expired = holder === undefined || holder === '' || now > renewed + (lease.spec.leaseDurationSeconds ?? 15) * 1000;
    if (holder !== this.options.identity && !expired) {
      this.observe(false, now, holder);
      return;
    }
    const takeover = holder !== this.options.identity;
    const updated = await this.http.request<Lease>(`${this.path}/${encodeURIComponent(this.options.name)}`, {
      method: 'PUT',
      body: {
        ...lease,
        spec: {
          ...lease.spec,
          ...spec,
          ...(takeover && { acquireTime: microTime(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 }),
        },
      },
    });
    // 409: someone else wrote first; we learn who on the next round.
    this.observe(updated.status < 300, now, updated.status < 300 ? this.options.identity : holder);
  }

  private observe(won: boolean, at: number, holder: string | undefined): void {
    this.holder = holder;
    if (won) this.lastRenewal = at;
    this.setLeading(won || (this.leading && Date.now() - this.lastRenewal < this.options.durationMs));
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.onChange?.(leading, this.holder);
  }

  private async release(): Promise<void> {
    const path = `${this.path}/${encodeURIComponent(this.options.name)}`;
    const got = await this.http.request<Lease>(path);
    if (got.status !== 200 || got.body.spec.holderIdentity !== this.options.identity) return;
    await this.http.request(path, { method: 'PUT', body: { ...got.body, spec: { ...got.body.spec, holderIdentity: '', renewTime: microTime(Date.now()), leaseDurationSeconds: 1 } } });
  }
}
