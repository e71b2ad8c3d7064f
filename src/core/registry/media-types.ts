/**
 * The manifest formats of the OCI distribution API and what each refers to: an image
 * manifest names its config and layers, an index (or Docker manifest list) names one
 * manifest per platform. Docker's schema 1 is reported and skipped (signed, deprecated,
 * refused by current registries).
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_SCHEMA1 = 'application/vnd.docker.distribution.manifest.v1+json';
export const DOCKER_SCHEMA1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

/**
 * Every type Strata reads, in one Accept header: Docker's distribution 2.8 answers 404 for an
 * OCI index unless Accept names the index type.
 */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * A blob whose bytes are a compressed or encrypted stream (a gzip or zstd layer, a Helm
 * chart, an ocicrypt layer). Any change to what it holds rewrites every byte after it (image
 * builders do not compress --rsyncable), so two such blobs share at most a prefix: fixed
 * pieces from the start keep that prefix as content-defined chunks would, with far fewer,
 * larger chunks.
 */
export function isOpaqueBlob(mediaType: string): boolean {
  return /[+.](gzip|zstd|encrypted)$|^application\/(x-)?(gzip|zstd)$/.test(mediaType);
}

export type ManifestKind = 'index' | 'image' | 'schema1' | 'unknown';

export function manifestKind(mediaType: string): ManifestKind {
  if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST) return 'index';
  if (mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST) return 'image';
  if (mediaType === DOCKER_SCHEMA1 || mediaType === DOCKER_SCHEMA1_SIGNED) return 'schema1';
  return 'unknown';
}

export interface ManifestRefs {
  readonly kind: ManifestKind;
  /** An index's manifests, children first to store and to push. */
  readonly manifests: readonly Descriptor[];
  /** An image's config and layers (and an OCI artifact's blobs): what is fetched as blobs. */
  readonly blobs: readonly Descriptor[];
  /** An OCI 1.1 subject (a signature or SBOM points at the image it describes). */
  readonly subject?: Descriptor;
}

const isDescriptor = (value: unknown): value is Descriptor =>
  typeof value === 'object' && value !== null && typeof (value as Descriptor).digest === 'string' && typeof (value as Descriptor).mediaType === 'string' && typeof (value as Descriptor).size === 'number';

/** What a manifest refers to. `mediaType` is the Content-Type the registry gave, or the manifest's own field. */
export function manifestRefs(contentType: string, body: unknown): ManifestRefs {
  const json = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const own = typeof json['mediaType'] === 'string' ? json['mediaType'] : undefined;
  // A registry may answer application/json; the manifest's own mediaType decides then.
  const kind = manifestKind(manifestKind(contentType) === 'unknown' && own !== undefined ? own : contentType);
  const list = (key: string) => (Array.isArray(json[key]) ? (json[key] as unknown[]).filter(isDescriptor) : []);
  const subject = isDescriptor(json['subject']) ? json['subject'] : undefined;
  if (kind === 'index') return { kind, manifests: list('manifests'), blobs: [], ...(subject && { subject }) };
  if (kind === 'image') {
    const config = isDescriptor(json['config']) ? [json['config']] : [];
    return { kind, manifests: [], blobs: [...config, ...list('layers'), ...list('blobs')], ...(subject && { subject }) };
  }
  return { kind, manifests: [], blobs: [] };
}
