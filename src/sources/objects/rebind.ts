/**
 * Seed 002's accident: a namespace is deleted, its claims go, their Retain volumes stay
 * `Released` with the old claims' uids in `claimRef`. A restored claim naming such a volume
 * stays Pending forever unless the stale uid goes: then the PV controller binds the volume
 * to the new claim of the same name, data untouched. A volume bound to another live claim
 * is never taken: the restored claim fails with the reason.
 */
import { at, type Json } from '../../core/objects/json.ts';
import type { KubeObject } from '../../core/objects/types.ts';
import type { KubeHttp, KubeResponse } from '../../kube/http.ts';

export type Rebinding =
  | { readonly kind: 'free' }
  /** The volume waited for this claim with a stale uid; now cleared (or would be, in a dry run). */
  | { readonly kind: 'rebound'; readonly reason: string }
  | { readonly kind: 'taken'; readonly reason: string };

type Send = (path: string, request: Parameters<KubeHttp['request']>[1]) => Promise<KubeResponse>;

const volumePath = (name: string) => `/api/v1/persistentvolumes/${encodeURIComponent(name)}`;

/** Looks at volume `name` for the claim `namespace/claim` and clears a stale claimRef uid. */
export async function rebindVolume(send: Send, name: string, namespace: string, claim: string, dryRun: boolean): Promise<Rebinding> {
  const response = await send(volumePath(name), {});
  if (response.status !== 200) return { kind: 'free' };
  const volume = response.body as KubeObject & Json;
  const claimRef = at(volume, 'spec', 'claimRef');
  const phase = at(volume, 'status')?.['phase'];
  if (claimRef === undefined) return { kind: 'free' };
  const names = claimRef['namespace'] === namespace && claimRef['name'] === claim;
  if (!names) {
    if (phase !== 'Bound') return { kind: 'free' };
    return { kind: 'taken', reason: `volume ${name} is bound to claim ${String(claimRef['namespace'])}/${String(claimRef['name'])}: this claim would stay Pending (restore it under its own volume, or release that one first)` };
  }
  if (claimRef['uid'] === undefined || phase === 'Bound' || phase === 'Pending') return { kind: 'free' };
  const patched = await send(volumePath(name), {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { spec: { claimRef: { uid: null, resourceVersion: null } } },
    query: { fieldManager: 'strata', dryRun: dryRun ? 'All' : undefined },
  });
  if (patched.status < 200 || patched.status >= 300) return { kind: 'taken', reason: `volume ${name} is ${String(phase)} with the old claim's uid, and clearing it was refused (HTTP ${patched.status})` };
  const verb = dryRun ? 'would clear' : 'cleared';
  return { kind: 'rebound', reason: `volume ${name} was ${String(phase)} with the deleted claim's uid: ${verb} it, so that the PV controller binds it to the restored claim ${namespace}/${claim}` };
}

/** Waits (bounded) until the claim is Bound; returns its last phase. */
export async function waitBound(send: Send, namespace: string, claim: string, timeoutMs: number, pollMs: number): Promise<string> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${encodeURIComponent(claim)}`;
  const deadline = Date.now() + timeoutMs;
  let phase = 'unknown';
  for (let round = 0; round < 10_000; round++) {
    const response = await send(path, {});
    phase = String(at(response.body as Json, 'status')?.['phase'] ?? 'unknown');
    if (phase === 'Bound' || Date.now() > deadline) return phase;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return phase;
}
