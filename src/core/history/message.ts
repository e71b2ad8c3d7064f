/**
 * The commit message of one export: a subject a person reads in `git log --oneline`, a
 * body with the counts, and trailers (`Strata-Snapshot: …`) that `strata history log`
 * reads back — so the git repository alone says which snapshot each tag holds.
 */

export interface ExportFacts {
  readonly snapshot: string;
  /** ISO time of the snapshot. */
  readonly time: string;
  readonly host: string;
  readonly plan?: string;
  /** The API server the objects came from, and the kube-system uid that names the cluster. */
  readonly server?: string;
  readonly clusterId?: string;
  readonly objects: number;
  readonly namespaces: number;
  readonly files: number;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

const TRAILERS: readonly [keyof ExportFacts, string][] = [
  ['snapshot', 'Strata-Snapshot'],
  ['time', 'Strata-Time'],
  ['host', 'Strata-Host'],
  ['plan', 'Strata-Plan'],
  ['server', 'Strata-Server'],
  ['clusterId', 'Strata-Cluster-Id'],
  ['objects', 'Strata-Objects'],
  ['namespaces', 'Strata-Namespaces'],
  ['files', 'Strata-Files'],
  ['added', 'Strata-Added'],
  ['removed', 'Strata-Removed'],
  ['changed', 'Strata-Changed'],
];
const NUMBERS: ReadonlySet<keyof ExportFacts> = new Set(['objects', 'namespaces', 'files', 'added', 'removed', 'changed']);

export function commitMessage(facts: ExportFacts): string {
  const where = [facts.plan !== undefined && `plan ${facts.plan}`, facts.server !== undefined && `cluster ${facts.server}`, `host ${facts.host}`].filter(Boolean).join(', ');
  const lines = [
    `strata: snapshot ${facts.snapshot.slice(0, 8)} (${where})`,
    '',
    `${facts.objects} objects in ${facts.namespaces} namespaces, ${facts.files} node files, taken ${facts.time}.`,
    `${facts.added} added, ${facts.removed} removed, ${facts.changed} changed since the previous export.`,
    '',
    ...TRAILERS.filter(([key]) => facts[key] !== undefined).map(([key, name]) => `${name}: ${String(facts[key])}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The facts of a commit message this module wrote; undefined for a commit Strata did not make. */
export function parseMessage(message: string): ExportFacts | undefined {
  const found: Record<string, string | number> = {};
  for (const line of message.split('\n')) {
    const match = /^(Strata-[A-Za-z-]+): (.*)$/.exec(line);
    const key = match && TRAILERS.find(([, name]) => name === match[1])?.[0];
    if (!key || !match) continue;
    found[key] = NUMBERS.has(key) ? Number(match[2]) : match[2]!;
  }
  if (typeof found['snapshot'] !== 'string' || typeof found['time'] !== 'string') return undefined;
  for (const key of NUMBERS) if (typeof found[key] !== 'number' || !Number.isFinite(found[key])) found[key] = 0;
  return found as unknown as ExportFacts;
}
