/**
 * The mke source on the Source contract: Mirantis Kubernetes Engine's (UCP's) own backup,
 * taken through its API or its CLI container, stored deduplicated and encrypted with the
 * rest, proven by decrypting and listing the stored copy, and handed back to MKE's restore.
 * On a Mirantis platform it comes after Swarm and before MSR, in backup and in restore.
 */
import { formatBytes, formatSeconds } from '../../core/format.ts';
import { DockerEngine } from '../../docker/http.ts';
import { notPlacedHere, oncePerCycle } from '../placement.ts';
import type { Source } from '../source.ts';
import { backupMke } from './backup.ts';
import { mkeEntry, type MkeEntry } from './entry.ts';
import { mkeManifest } from './manifest.ts';
import type { MkeRecord } from './record.ts';
import { planMkeRestore, type MkeRestoreOptions } from './restore.ts';
import { mkeSecrets } from './secrets.ts';

export const mkeSource: Source<MkeEntry, undefined, MkeRestoreOptions> = {
  type: 'mke',
  // After Swarm (50), before MSR and vendor commands.
  order: 55,
  entry: mkeEntry,
  manifest: mkeManifest,

  namedFiles: (entry, field) => [
    ...(entry.passphraseFile === undefined ? [] : [[`${field}.passphraseFile`, entry.passphraseFile, 'secret'] as const]),
    ...(entry.passwordFile === undefined ? [] : [[`${field}.passwordFile`, entry.passwordFile, 'secret'] as const]),
    ...(entry.ca === undefined ? [] : [[`${field}.ca`, entry.ca, 'certificate'] as const]),
    ...(entry.bundle === undefined ? [] : [[`${field}.bundle.cert`, entry.bundle.cert, 'certificate'] as const, [`${field}.bundle.key`, entry.bundle.key, 'private-key'] as const]),
    ...(entry.ha?.tls === undefined ? [] : [[`${field}.ha.tls.key`, entry.ha.tls.key, 'private-key'] as const]),
  ],

  async prepare(entry, settings) {
    // Read now: a missing secret stops the run before anything starts.
    const secrets = mkeSecrets(entry, settings.field, settings.warn);
    return {
      async backup(context) {
        const local = new DockerEngine({ host: entry.dockerHost, field: settings.field('dockerHost') });
        try {
          const skip = await notPlacedHere(entry.where, settings, () => local);
          if (skip !== undefined) return { leftTo: `mke: ${skip}` };
        } finally {
          local.close();
        }
        return oncePerCycle(entry.ha, entry.dockerHost, 'mke', settings, () => backupMke(entry, secrets, settings, context));
      },
    };
  },

  describe(source) {
    const r = source.record as MkeRecord;
    const how = r.method === 'api' ? `through MKE's API${r.backupId === undefined ? '' : ` (backup ${r.backupId})`}` : `through ${r.version} backup`;
    return {
      headline: r.failed === undefined
        ? `MKE ${r.version} on ${r.manager}: ${formatBytes(r.bytes)} archive, ${r.encrypted ? 'under its passphrase' : 'NO passphrase'}, ${r.entries} entries, verified`
        : `MKE backup FAILED: ${r.failed}`,
      details: [
        ['mke', `${how}, ${formatSeconds(r.durationMs / 1000)}${r.includeLogs ? ', logs included' : ''}${r.exit === undefined ? '' : `, ${r.exit}`}`],
      ],
      labels: [r.failed === undefined ? 'mke' : 'mke:FAILED'],
    };
  },

  restore: planMkeRestore,
};
