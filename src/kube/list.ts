/**
 * Paged lists (limit/continue): one page in memory at a time. Items come back with
 * apiVersion and kind set, as a single GET would return them (list items lack both).
 */
import type { KubeObject, ResourceType } from '../core/objects/types.ts';
import { apiVersionOf } from '../core/objects/types.ts';
import { apiError } from './errors.ts';
import type { KubeHttp } from './http.ts';
import { collectionPath } from './resource-path.ts';

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

interface ListBody {
  metadata?: { continue?: string };
  items?: Record<string, unknown>[];
}

/** Pages of one type; a page list that grows past this is a server bug, not a cluster. */
const MAX_PAGES = 100_000;

export async function* listPages(http: KubeHttp, type: ResourceType, options: ListOptions = {}): AsyncGenerator<KubeObject[]> {
  const path = collectionPath(type, options.namespace);
  const apiVersion = apiVersionOf(type);
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await http.request<ListBody>(path, {
      query: { limit: String(options.limit ?? 500), continue: token, labelSelector: options.labelSelector },
      ...(options.signal && { signal: options.signal }),
    });
    if (response.status === 410 && token !== undefined) {
      // The continue token outlived etcd's compaction: the server offers one that goes on
      // from the same key at the latest revision (the list stays complete, not one instant).
      const next = (response.body as ListBody).metadata?.continue;
      if (next === undefined || next === '') throw apiError(path, response);
      token = next;
      continue;
    }
    if (response.status < 200 || response.status >= 300) throw apiError(path, response);
    const items = (response.body.items ?? []).map((item) => ({ apiVersion, kind: type.kind, ...item }) as unknown as KubeObject);
    yield items;
    token = response.body.metadata?.continue;
    if (token === undefined || token === '') return;
  }
  throw new Error(`${path}: more than ${MAX_PAGES} pages`);
}
