/**
 * The msr source on the Source contract: Mirantis Secure Registry's (DTR's) metadata backup
 * from the replica on this node, stored deduplicated and encrypted with the rest, and
 * handed back for MSR's restore. Nodes without a replica skip it with a line that says so.
 */
import { formatBytes, formatSeconds } from '../../core/format.ts';
import { DockerEngine } from '../../docker/http.ts';
import { notPlacedHere, oncePerCycle, thisHost } from '../placement.ts';
import { readSecretValue } from '../secret-file.ts';
import type { Source } from '../source.ts';
import { backupMsr } from './backup.ts';
import { msrEntry, type MsrEntry } from './entry.ts';
import { msrManifest } from './manifest.ts';
import type { MsrRecord } from './record.ts';
import { localReplica } from './replica.ts';
import { planMsrRestore, type MsrRestoreOptions } from './restore.ts';

export const msrSource: Source<MsrEntry, undefined, MsrRestoreOptions> = {
  type: 'msr',
  // After MKE (55): restore order on a Mirantis platform is Swarm, MKE, MSR.
  order: 60,
  entry: msrEntry,
  manifest: msrManifest,

  namedFiles: (entry, field) => [
    [`${field}.ucpPasswordFile`, entry.ucpPasswordFile, 'secret'] as const,
    ...(entry.ucpCa === undefined ? [] : [[`${field}.ucpCa`, entry.ucpCa, 'certificate'] as const]),
    ...(entry.ha?.tls === undefined ? [] : [[`${field}.ha.tls.key`, entry.ha.tls.key, 'private-key'] as const]),
  ],

  async prepare(entry, settings) {
    // Read now: a missing password file stops the run before anything starts.
    const password = readSecretValue(entry.ucpPasswordFile, settings.field('ucpPasswordFile'), settings.warn);
    return {
      async backup(context) {
        const local = new DockerEngine({ host: entry.dockerHost, field: settings.field('dockerHost') });
        let replica: string | undefined;
        try {
          const skip = await notPlacedHere(entry.where, settings, () => local);
          if (skip !== undefined) return { leftTo: `msr: ${skip}` };
          replica = await localReplica(local);
        } finally {
          local.close();
        }
        if (replica === undefined) return { leftTo: `msr: ${thisHost(settings)} hosts no MSR replica (no dtr-rethinkdb-<id> container runs here): skipped` };
        return oncePerCycle(entry.ha, entry.dockerHost, 'msr', settings, () => backupMsr(entry, password, replica, settings, context));
      },
    };
  },

  describe(source) {
    const r = source.record as MsrRecord;
    return {
      headline: r.failed === undefined
        ? `MSR replica ${r.replicaId} on ${r.node}: ${formatBytes(r.bytes)} metadata archive, ${r.entries} entries (image content not included)`
        : `MSR backup FAILED: ${r.failed}`,
      details: [['msr', `${r.image} backup, ${r.exit}, ${formatSeconds(r.durationMs / 1000)}`], ['not in it', r.notIncluded]],
      labels: [r.failed === undefined ? 'msr' : 'msr:FAILED'],
    };
  },

  restoreFlags: (id) => `--msr-output ./msr-${id}.tar`,
  restore: planMsrRestore,
};
