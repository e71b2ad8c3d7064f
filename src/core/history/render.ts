/**
 * An API object as history writes it: the comparable form `strata diff` uses (server
 * metadata, status and controller bookkeeping gone; the last-applied annotation too, which
 * would repeat a Secret's data in clear), secret values replaced by digests, keys in a fixed
 * order, and YAML without line folding — so an unchanged object is the same bytes every run,
 * and one changed field is one changed line.
 */
import { stringify } from 'yaml';
import { comparable } from '../objects/diff.ts';
import { isJsonObject, type Json } from '../objects/json.ts';
import { groupOf, type KubeObject } from '../objects/types.ts';
import type { Digest } from './digest.ts';

export interface Masking {
  readonly digest: Digest;
  /** ConfigMap keys the plan marks sensitive (`sensitive.configMapKeys`). */
  readonly sensitiveConfigMapKey: (key: string) => boolean;
}

/** Keys in a fixed order: these first (kubectl's order), every other key sorted. */
function ordered(value: unknown, leading: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => ordered(item));
  if (!isJsonObject(value)) return value;
  const first = leading.filter((key) => key in value);
  const out: Json = {};
  for (const key of [...first, ...Object.keys(value).filter((key) => !first.includes(key)).sort()]) out[key] = ordered(value[key]);
  return out;
}

function orderedObject(object: Json): unknown {
  const out = ordered(object, ['apiVersion', 'kind', 'metadata']) as Json;
  if (isJsonObject(object['metadata'])) out['metadata'] = ordered(object['metadata'], ['name', 'namespace']);
  return out;
}

function maskValues(map: unknown, digestOf: (key: string, value: string) => string | undefined): void {
  if (!isJsonObject(map)) return;
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') continue;
    const masked = digestOf(key, value);
    if (masked !== undefined) map[key] = masked;
  }
}

/** Replaces what must not reach git; returns the object it was given (a copy the caller owns). */
export function mask(object: Json, masking: Masking): Json {
  const kind = `${groupOf(String(object['apiVersion'] ?? ''))}/${String(object['kind'])}`;
  if (kind === '/Secret') {
    // The digest is of the decoded bytes: data and stringData holding the same value agree.
    maskValues(object['data'], (_, value) => masking.digest(Buffer.from(value, 'base64')));
    maskValues(object['stringData'], (_, value) => masking.digest(Buffer.from(value, 'utf8')));
  } else if (kind === '/ConfigMap') {
    maskValues(object['data'], (key, value) => (masking.sensitiveConfigMapKey(key) ? masking.digest(Buffer.from(value, 'utf8')) : undefined));
    maskValues(object['binaryData'], (key, value) => (masking.sensitiveConfigMapKey(key) ? masking.digest(Buffer.from(value, 'base64')) : undefined));
  }
  return object;
}

export function renderObject(object: KubeObject, masking: Masking): string {
  const shown = orderedObject(mask(comparable(object), masking));
  return stringify(shown, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indent: 2 });
}
