/**
 * OpenShift ImageStreams (image.openshift.io/v1, from OpenShift's API reference): each
 * stream's `status.tags[].items[0]` is the image a tag points at now, as
 * `dockerImageReference` (`HOST/NAMESPACE/NAME@sha256:…`) and `image` (the digest). A tag
 * whose reference is in the integrated registry — the host of the stream's
 * `status.dockerImageRepository` or `publicDockerImageRepository`, or the host Strata
 * connects to — is taken by digest, under the stream's tag name; a tag that only points
 * outside (an external image not imported locally) is said and left.
 */
import { OperationError } from '../../core/errors.ts';
import { isDigest } from '../../core/registry/protocol.ts';
import type { KubeHttp } from '../../kube/http.ts';

const STREAMS = '/apis/image.openshift.io/v1/imagestreams';

interface ImageStream {
  readonly metadata: { readonly namespace: string; readonly name: string };
  readonly status?: {
    readonly dockerImageRepository?: string;
    readonly publicDockerImageRepository?: string;
    readonly tags?: readonly { readonly tag: string; readonly items?: readonly { readonly dockerImageReference?: string; readonly image?: string }[] | null }[] | null;
  };
}

/** One stream tag's current image in the registry: repository path, the stream's tag, the digest. */
export interface StreamImage {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
}

const hostOf = (reference: string | undefined) => (reference === undefined || !reference.includes('/') ? undefined : reference.slice(0, reference.indexOf('/')));

/** Every stream tag's image in the namespaces `namespaces` selects; what points elsewhere is in `elsewhere`. */
export async function imageStreamImages(http: KubeHttp, registryHost: string, namespaces: (namespace: string) => boolean): Promise<{ images: StreamImage[]; elsewhere: string[] }> {
  const images: StreamImage[] = [];
  const elsewhere: string[] = [];
  let next: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const response = await http.request<{ items?: ImageStream[]; metadata?: { continue?: string } }>(STREAMS, { query: { limit: '500', ...(next !== undefined && { continue: next }) } });
    if (response.status === 404) throw new OperationError('the cluster serves no ImageStreams (image.openshift.io/v1)', { hint: 'from: imagestreams is for OpenShift; list repositories with from: catalog or from: list' });
    if (response.status < 200 || response.status >= 300) throw new OperationError(`GET ${STREAMS}: HTTP ${response.status}`, { hint: 'the account needs list on imagestreams.image.openshift.io in every namespace' });
    for (const stream of response.body.items ?? []) {
      const { namespace, name } = stream.metadata;
      if (!namespaces(namespace)) continue;
      const internal = new Set([hostOf(stream.status?.dockerImageRepository), hostOf(stream.status?.publicDockerImageRepository), registryHost].filter((h) => h !== undefined));
      for (const tag of stream.status?.tags ?? []) {
        const current = tag.items?.[0];
        const reference = current?.dockerImageReference;
        if (reference === undefined) continue;
        const at = reference.lastIndexOf('@');
        const host = hostOf(reference);
        const digest = at < 0 ? current?.image : reference.slice(at + 1);
        if (host === undefined || !internal.has(host) || digest === undefined || !isDigest(digest)) {
          elsewhere.push(`${namespace}/${name}:${tag.tag} → ${reference} (not in this registry)`);
          continue;
        }
        images.push({ repository: reference.slice(host.length + 1, at < 0 ? undefined : at), tag: tag.tag, digest });
      }
    }
    next = response.body.metadata?.continue;
    if (next === undefined || next === '') break;
  }
  return { images, elsewhere };
}
