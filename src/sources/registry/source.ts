/**
 * The registry source on the Source contract: an OCI registry's images, each blob stored
 * once by digest across tags, repositories and snapshots, kept as an OCI image layout, and
 * pushed back into the same or another registry.
 */
import { Duration } from '../../core/duration.ts';
import { formatBytes } from '../../core/format.ts';
import { tagChanges } from '../../core/registry/selection.ts';
import type { SnapshotSource } from '../../repository/snapshot.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { readSecretValue } from '../secret-file.ts';
import type { Source } from '../source.ts';
import { RegistryBackup, type RegistryBase } from './backup.ts';
import { RegistryClient } from './client.ts';
import { registryEntry, type RegistryEntry } from './entry.ts';
import { storedBlobs } from './layout.ts';
import { registryManifest } from './manifest.ts';
import { taggedImages, type RegistryRecord } from './record.ts';
import { planRegistryRestore, type RegistryRestoreOptions } from './restore.ts';

/** Blobs are looked up in the newest snapshot of this many registries at most. */
const BASE_REGISTRIES = 8;

const recordOf = (source: SnapshotSource) => source.record as RegistryRecord;
const short = (digest: string) => digest.slice(0, 19);

export const registrySource: Source<RegistryEntry, RegistryBase, RegistryRestoreOptions> = {
  type: 'registry',
  // After the cluster's own sources: images are the largest and slowest part of a plan.
  order: 65,
  entry: registryEntry,
  manifest: registryManifest,

  namedFiles: (entry, field) => [
    ...(entry.passwordFile === undefined ? [] : [[`${field}.passwordFile`, entry.passwordFile, 'secret'] as const]),
    ...(entry.caFile === undefined ? [] : [[`${field}.caFile`, entry.caFile, 'certificate'] as const]),
  ],

  async prepare(entry, settings) {
    // Read and checked now: a missing password file or a refused URL stops the run before anything starts.
    const password = entry.passwordFile === undefined ? undefined : readSecretValue(entry.passwordFile, settings.field('passwordFile'), settings.warn);
    const client = new RegistryClient({
      url: entry.url, field: settings.field(), insecure: entry.insecure, idleMs: Duration.parse(entry.timeout)!.milliseconds,
      ...(entry.caFile !== undefined && { caFile: entry.caFile }), ...(entry.username !== undefined && { username: entry.username }), ...(password !== undefined && { password }),
    });
    const url = entry.url.replace(/\/+$/, '');
    return {
      /** The newest snapshot of this registry (or --parent) is the parent; blobs of the newest snapshot of every registry are reused. */
      async base({ repository, snapshots, parent }) {
        const registryOf = (s: (typeof snapshots)[number]) => s.sources.find((x) => x.type === 'registry');
        const withRegistry = snapshots.filter((s) => registryOf(s) !== undefined);
        const own = parent !== undefined ? snapshots.find((s) => s.id.startsWith(parent)) : withRegistry.filter((s) => recordOf(registryOf(s)!).url === url).at(-1);
        const newest = new Map<string, (typeof snapshots)[number]>();
        for (const s of withRegistry) newest.set(recordOf(registryOf(s)!).url, s);
        const stored = new Map<string, TreeNode>();
        for (const s of [...(own === undefined ? [] : [own]), ...[...newest.values()].reverse().slice(0, BASE_REGISTRIES)]) {
          for (const [digest, node] of await storedBlobs(repository, s.tree, 'registry')) if (!stored.has(digest)) stored.set(digest, node);
        }
        return { stored, ...(own !== undefined && { parent: own.id }) };
      },
      async backup(context) {
        try {
          return await new RegistryBackup(client, entry, context, () => settings.kube()).run();
        } finally {
          client.close();
        }
      },
    };
  },

  describe(source) {
    const r = recordOf(source);
    const tags = r.repositories.reduce((n, x) => n + x.tags.length, 0);
    const details: [string, string][] = [['registry', r.url]];
    for (const repository of r.repositories) {
      for (const t of repository.tags) {
        const platforms = t.platforms === undefined ? '' : ` (${t.platforms.join(', ')}${t.partial === true ? ', other platforms left out' : ''})`;
        details.push(['', `${repository.name}:${t.tag}  ${t.digest}${platforms}`]);
      }
    }
    for (const m of r.missed) details.push(['MISSED', m]);
    for (const m of r.skipped) details.push(['skipped', m]);
    return {
      headline: r.failed !== undefined
        ? `registry ${r.url} FAILED: ${r.failed}`
        : `${r.url}: ${r.repositories.length} repositories, ${tags} tags, ${r.manifests} manifests, ${r.blobs} blobs, ${formatBytes(r.bytes)} (${r.fetched.blobs} blobs, ${formatBytes(r.fetched.bytes)} fetched)${r.missed.length > 0 ? `, ${r.missed.length} MISSED` : ''}`,
      details,
      labels: [r.failed !== undefined ? 'registry:FAILED' : `registry:${tags}`],
    };
  },

  diff(before, after) {
    const changes = tagChanges(taggedImages(recordOf(before)), taggedImages(recordOf(after)));
    return {
      lines: [
        `registry: ${changes.added.length} tags added, ${changes.removed.length} removed, ${changes.repointed.length} re-pointed, ${changes.unchanged} unchanged`,
        ...changes.added.map((t) => `+ ${t.repository}:${t.tag} ${short(t.digest)}`),
        ...changes.removed.map((t) => `- ${t.repository}:${t.tag} ${short(t.digest)}`),
        ...changes.repointed.map((t) => `~ ${t.repository}:${t.tag} ${short(t.before)} → ${short(t.after)}`),
      ],
      json: changes,
      differs: changes.added.length + changes.removed.length + changes.repointed.length > 0,
    };
  },

  restore: planRegistryRestore,
};
