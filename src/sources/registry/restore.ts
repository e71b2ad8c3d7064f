/**
 * `strata restore ID --registry [--to URL]`: the snapshot's images pushed into the same or
 * another registry, repositories renamed by --repository-mapping. Per repository: blobs the
 * target has are skipped (HEAD), a blob already pushed to another repository in this run is
 * mounted from there, the rest uploaded from the repository with their digest checked as
 * they stream; then manifests, children before their index, each hashed against its digest
 * before it is sent and against the digest the registry answers; then the tags. An index
 * backed up with only some platforms is refused by registries that check an index's
 * manifests: its tag then points at the one platform kept, and a warning says so.
 * One repository's failure is named and the others go on (partially failed).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { UsageError } from '../../core/errors.ts';
import { formatBytes, formatSeconds } from '../../core/format.ts';
import { manifestRefs } from '../../core/registry/media-types.ts';
import { digestParts } from '../../core/registry/protocol.ts';
import { globMatcher } from '../../core/registry/selection.ts';
import { forEachBounded } from '../../core/bounded.ts';
import type { Repository } from '../../repository/repository.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { storedBytes, storedWhole } from '../program-output.ts';
import { readSecretValue } from '../secret-file.ts';
import type { PlannedRestore, RestoreContext } from '../source.ts';
import { RegistryClient, RegistryError, verifying } from './client.ts';
import { storedBlobs } from './layout.ts';
import type { RegistryRecord, RepositoryRecord } from './record.ts';

export interface RegistryRestoreOptions {
  /** The registry to push into; the backed-up one when unset. */
  readonly to?: string;
  readonly username?: string;
  readonly passwordFile?: string;
  readonly caFile?: string;
  readonly insecure: boolean;
  /** Repository globs: only these are restored (every one when empty). */
  readonly repositories: readonly string[];
  /** Repository renames, old → new. */
  readonly mappings: ReadonlyMap<string, string>;
  readonly concurrency: number;
}

interface StoredManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
  /** An index's manifests that the snapshot holds (all, unless the entry kept only some platforms). */
  readonly children: readonly string[];
}

/** One repository's restore: its blobs, its manifests children first, its tags. */
interface RepositoryPlan {
  readonly from: string;
  readonly to: string;
  readonly tags: RepositoryRecord['tags'];
  readonly manifests: readonly StoredManifest[];
  readonly blobs: readonly { readonly digest: string; readonly node: TreeNode; readonly present: boolean }[];
}

const sha = (algorithm: string, bytes: Buffer) => `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;

async function loadManifest(repository: Repository, digest: string, node: TreeNode): Promise<Buffer> {
  const bytes = await storedWhole(repository, node.content ?? []);
  if (sha(digestParts(digest).algorithm, bytes) !== digest) throw new UsageError(`the stored manifest ${digest} does not hash to its digest`, { hint: 'run `strata check --read-data`' });
  return bytes;
}

/** A repository's manifests (children first) and blobs, from what the snapshot stored. */
async function closure(repository: Repository, stored: ReadonlyMap<string, TreeNode>, record: RepositoryRecord) {
  const manifests = new Map<string, StoredManifest>();
  const blobs = new Map<string, TreeNode>();
  const visit = async (digest: string, mediaType: string, depth: number): Promise<void> => {
    if (manifests.has(digest)) return;
    const node = stored.get(digest);
    if (node === undefined) throw new UsageError(`${record.name}: manifest ${digest} is missing from the snapshot`, { hint: 'run `strata check --read-data`' });
    const bytes = await loadManifest(repository, digest, node);
    const refs = manifestRefs(mediaType, JSON.parse(bytes.toString('utf8')));
    // An index's platforms left out by the entry's `platforms` were not stored.
    const children = refs.manifests.filter((child) => stored.has(child.digest) && depth < 4);
    for (const child of children) await visit(child.digest, child.mediaType, depth + 1);
    for (const blob of refs.blobs) {
      const b = stored.get(blob.digest);
      if (b === undefined) throw new UsageError(`${record.name}: blob ${blob.digest} is missing from the snapshot`, { hint: 'run `strata check --read-data`' });
      blobs.set(blob.digest, b);
    }
    manifests.set(digest, { digest, mediaType, bytes, children: children.map((c) => c.digest) });
  };
  for (const tag of record.tags) await visit(tag.digest, tag.mediaType, 0);
  return { manifests: [...manifests.values()], blobs };
}

export async function planRegistryRestore({ repository, snapshot, progress }: RestoreContext, options: RegistryRestoreOptions): Promise<PlannedRestore> {
  const id = snapshot.id.slice(0, 8);
  const source = snapshot.sources.find((s) => s.type === 'registry');
  if (source === undefined) throw new UsageError(`snapshot ${id} holds no registry backup`, { hint: 'pick a snapshot with registry in `strata snapshots`' });
  const record = source.record as RegistryRecord;
  if (record.failed !== undefined) throw new UsageError(`snapshot ${id}: its registry backup failed (${record.failed})`, { hint: 'pick an earlier snapshot' });
  const selected = globMatcher(options.repositories);
  const chosen = record.repositories.filter((r) => selected(r.name) && r.tags.length > 0);
  if (chosen.length === 0) throw new UsageError(`snapshot ${id}: no backed-up repository matches --registry-repositories ${options.repositories.join(' ')}`, { hint: `it holds ${record.repositories.map((r) => r.name).join(', ') || 'none'}` });
  const rename = (name: string) => options.mappings.get(name) ?? name;
  const password = options.passwordFile === undefined ? undefined : readSecretValue(options.passwordFile, '--registry-password-file', () => undefined);
  const url = options.to ?? record.url;
  const connect = () => new RegistryClient({
    url, field: options.to === undefined ? `the backed-up registry ${record.url}` : '--to', insecure: options.insecure,
    ...(options.caFile !== undefined && { caFile: options.caFile }), ...(options.username !== undefined && { username: options.username }), ...(password !== undefined && { password }),
  });
  const planning = connect();
  const stored = await storedBlobs(repository, snapshot.tree, 'registry');
  const plans: RepositoryPlan[] = [];
  try {
    await planning.ping();
    for (const r of chosen) {
      const { manifests, blobs } = await closure(repository, stored, r);
      const to = rename(r.name);
      const checked: RepositoryPlan['blobs'][number][] = [];
      await forEachBounded([...blobs], options.concurrency, async ([digest, node]) => {
        checked.push({ digest, node, present: await planning.hasBlob(to, digest) });
      });
      plans.push({ from: r.name, to, tags: r.tags, manifests, blobs: checked.sort((a, b) => (a.digest < b.digest ? -1 : 1)) });
    }
  } finally {
    planning.close();
  }
  const toSend = (p: RepositoryPlan) => p.blobs.filter((b) => !b.present);
  const bytesOf = (blobs: RepositoryPlan['blobs']) => blobs.reduce((sum, b) => sum + (b.node.size ?? 0), 0);
  const line = (p: RepositoryPlan) => `${p.from}${p.to === p.from ? '' : ` → ${p.to}`}: ${p.tags.length} tags (${p.tags.map((t) => t.tag).join(', ')}), ${p.manifests.length} manifests, ${p.blobs.length} blobs (${p.blobs.length - toSend(p).length} present, ${toSend(p).length} to send, ${formatBytes(bytesOf(toSend(p)))})`;
  const json = {
    snapshot: snapshot.id, to: url,
    repositories: plans.map((p) => ({ from: p.from, to: p.to, tags: p.tags, manifests: p.manifests.length, blobs: p.blobs.length, present: p.blobs.length - toSend(p).length, bytesToSend: bytesOf(toSend(p)) })),
  };
  return {
    text: [`would restore ${plans.length} repositories of snapshot ${id} into ${url}:`, ...plans.map((p) => `  ${line(p)}`)].join('\n'),
    json,
    async apply() {
      const client = connect();
      const done = { blobs: 0, bytes: 0, mounted: 0, skipped: 0, manifests: 0, tags: 0 };
      progress((elapsedMs) => `[${formatSeconds(elapsedMs / 1000)}] registry ${client.host}: ${done.blobs} blobs sent (${formatBytes(done.bytes)}), ${done.mounted} mounted, ${done.manifests} manifests, ${done.tags} tags`);
      /** A blob pushed or found in one target repository can be mounted into the next. */
      const holder = new Map<string, string>();
      for (const p of plans) for (const b of p.blobs) if (b.present && !holder.has(b.digest)) holder.set(b.digest, p.to);
      const lines: string[] = [];
      const errors: string[] = [];
      const warnings: string[] = [];
      try {
        for (const p of plans) {
          try {
            await forEachBounded(p.blobs, options.concurrency, async (b) => {
              if (b.present) return void done.skipped++;
              const from = holder.get(b.digest);
              if (from !== undefined && from !== p.to && await client.mountBlob(p.to, b.digest, from)) return void done.mounted++;
              const what = `blob ${b.digest} of ${p.from} in snapshot ${id}`;
              await client.uploadBlob(p.to, b.digest, b.node.size ?? 0, () => Readable.from(storedBytes(repository, b.node.content ?? [])).pipe(verifying(b.digest, what)));
              holder.set(b.digest, p.to);
              done.blobs++;
              done.bytes += b.node.size ?? 0;
            });
            const partial = new Set(p.tags.filter((t) => t.partial === true).map((t) => t.digest));
            const refused = new Set<string>();
            for (const m of p.manifests) {
              try {
                await client.putManifest(p.to, m.digest, m);
                done.manifests++;
              } catch (error) {
                // An index whose left-out platforms the target does not have: registries that check an index refuse it.
                if (!partial.has(m.digest) || !(error instanceof RegistryError) || error.status !== 400) throw error;
                refused.add(m.digest);
              }
            }
            const manifests = new Map(p.manifests.map((m) => [m.digest, m]));
            for (const t of p.tags) {
              let manifest = manifests.get(t.digest)!;
              if (refused.has(t.digest)) {
                const kept = manifest.children;
                if (kept.length !== 1) throw new UsageError(`${t.tag}: the registry refuses its index, which names platforms the backup left out (it kept ${t.platforms?.join(', ')})`, { hint: 'restore into a registry that accepts an index with missing manifests, or back up every platform' });
                manifest = manifests.get(kept[0]!)!;
                warnings.push(`${p.to}:${t.tag}: the registry refuses an index whose manifests are not all there (the backup kept only ${t.platforms?.join(', ')}): the tag points at that platform's manifest ${manifest.digest} instead of the index ${t.digest}`);
              }
              await client.putManifest(p.to, t.tag, manifest);
              done.tags++;
            }
            lines.push(`restored ${p.from}${p.to === p.from ? '' : ` as ${p.to}`}: ${p.tags.length} tags, ${p.manifests.length} manifests, ${p.blobs.length} blobs`);
          } catch (error) {
            errors.push(`${p.from}${p.to === p.from ? '' : ` → ${p.to}`}: ${(error as Error).message}`);
          }
        }
      } finally {
        client.close();
      }
      lines.push(`into ${url}: ${done.blobs} blobs uploaded (${formatBytes(done.bytes)}), ${done.mounted} mounted, ${done.skipped} already there, ${done.manifests} manifests, ${done.tags} tags`);
      return {
        lines, errors, warnings,
        json: { snapshot: snapshot.id, to: url, ...done, failed: errors },
        ...(errors.length > 0 && { failure: { message: `${errors.length} of ${plans.length} repositories were not restored`, hint: 'see the errors above; a restore may be run again, what is there is skipped' } }),
      };
    },
  };
}
