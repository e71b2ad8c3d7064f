/**
 * What a snapshot records of the registry source (docs/repository-format.md, "Registry"):
 * the registry, every repository's tags with the digest and media type each pointed at,
 * what was stored and what was fetched this time, and what was missed with why. The bytes
 * are in the source's directory, laid out as an OCI image layout (layout.ts).
 */

export interface TagRecord {
  readonly tag: string;
  readonly digest: string;
  readonly mediaType: string;
  /** For a multi-platform image: the platforms kept (`linux/amd64`), all of them unless `partial`. */
  readonly platforms?: readonly string[];
  /** Some platforms of the index were left out (the entry's `platforms`): the index names manifests not stored. */
  readonly partial?: boolean;
}

export interface RepositoryRecord {
  readonly name: string;
  readonly tags: readonly TagRecord[];
}

export interface RegistryRecord {
  /** The registry's URL, without credentials. */
  readonly url: string;
  readonly repositories: readonly RepositoryRecord[];
  /** Manifests stored (indexes and images), and blobs (configs and layers), with their bytes. */
  readonly manifests: number;
  readonly blobs: number;
  readonly bytes: number;
  /** Fetched from the registry in this run; the rest was already in the repository. */
  readonly fetched: { readonly blobs: number; readonly bytes: number };
  /** What was not backed up, each with its reason (`team/web:1.0: …`); the snapshot is partially failed. */
  readonly missed: readonly string[];
  /** What was left out on purpose (schema 1 manifests, tags gone during the run): warnings. */
  readonly skipped: readonly string[];
  /** Nothing could be backed up (registry unreachable, authentication refused). */
  readonly failed?: string;
}

/** Every (repository, tag, digest) the record holds. */
export const taggedImages = (record: RegistryRecord) =>
  record.repositories.flatMap((r) => r.tags.map((t) => ({ repository: r.name, tag: t.tag, digest: t.digest })));
