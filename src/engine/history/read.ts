/**
 * Reading a history from its git repository alone (no backup repository, no password):
 * the tags with the facts of their commits (`strata history log`), what changed between
 * two tags by object (`strata history diff`), and where it stands (`strata status`).
 */
import { UsageError } from '../../core/errors.ts';
import { historyDiff, patchLines, type HistoryDiff, type PathChange } from '../../core/history/changes.ts';
import { FILES_DIR } from '../../core/history/layout.ts';
import { parseMessage, type ExportFacts } from '../../core/history/message.ts';
import { HISTORY_TAG } from '../../core/history/tag.ts';
import type { Git } from './git.ts';
import { unpushedCommits } from './remote.ts';

export interface TaggedExport {
  readonly tag: string;
  readonly commit: string;
  /** Absent for a tag on a commit Strata did not write. */
  readonly facts?: ExportFacts;
}

/** History tags, oldest first. */
export async function historyTags(git: Git): Promise<TaggedExport[]> {
  const out = await git.run(['for-each-ref', '--format=%(refname:strip=2)%00%(objectname)%00%(contents)%00%00', 'refs/tags']);
  const tags: TaggedExport[] = [];
  for (const record of out.split('\0\0\n')) {
    const [tag, commit, message] = record.split('\0');
    if (tag === undefined || commit === undefined || !HISTORY_TAG.test(tag)) continue;
    const facts = parseMessage(message ?? '');
    tags.push({ tag, commit, ...(facts !== undefined && { facts }) });
  }
  // By the snapshot's time (what the tag names), then by name for the suffixes of one minute.
  return tags.sort((a, b) => (a.facts?.time ?? '').localeCompare(b.facts?.time ?? '') || a.tag.localeCompare(b.tag, 'en', { numeric: true }));
}

async function requireRevision(git: Git, name: string): Promise<void> {
  const found = await git.call(['rev-parse', '--verify', '--quiet', `${name}^{commit}`]);
  if (found.code !== 0) throw new UsageError(`${name}: no such tag or commit in ${git.dir}`, { hint: 'list the tags with `strata history log`' });
}

const STATUS: Readonly<Record<string, PathChange['change']>> = { A: 'added', D: 'removed', M: 'changed', T: 'changed' };

export async function diffTags(git: Git, from: string, to: string, paths: readonly string[] = []): Promise<HistoryDiff> {
  await requireRevision(git, from);
  await requireRevision(git, to);
  const limit = paths.length > 0 ? ['--', ...paths] : [];
  const fields = (await git.run(['diff', '--name-status', '--no-renames', '-z', from, to, ...limit])).split('\0');
  const entries: { change: PathChange['change']; path: string }[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) entries.push({ change: STATUS[fields[i]!] ?? 'changed', path: fields[i + 1]! });
  // Objects and the modes list are compared as data; node files by their lines.
  const asData = entries.filter((e) => !e.path.startsWith(`${FILES_DIR}/`));
  const blobs = await git.readBlobs(asData.flatMap((e) => [`${from}:${e.path}`, `${to}:${e.path}`]));
  const changedFiles = entries.filter((e) => e.path.startsWith(`${FILES_DIR}/`) && e.change === 'changed').map((e) => e.path);
  const lines = changedFiles.length === 0 ? new Map() : patchLines(await git.run(['diff', '--no-color', '--no-renames', '--unified=0', from, to, '--', ...changedFiles]));
  const changes: PathChange[] = entries.map((e) => {
    const before = blobs.get(`${from}:${e.path}`);
    const after = blobs.get(`${to}:${e.path}`);
    const patch = lines.get(e.path);
    return { change: e.change, path: e.path, ...(before !== undefined && { before }), ...(after !== undefined && { after }), ...(patch !== undefined && { patchLines: patch }) };
  });
  return historyDiff(from, to, changes);
}

export interface HistoryState {
  readonly path: string;
  readonly last?: TaggedExport;
  readonly tags: number;
  /** Commits not yet on the remote (only with a remote). */
  readonly unpushed?: number;
}

export async function historyState(git: Git, remoteBranch: string | undefined): Promise<HistoryState> {
  const tags = await historyTags(git);
  const last = tags.at(-1);
  return { path: git.dir, tags: tags.length, ...(last !== undefined && { last }), ...(remoteBranch !== undefined && { unpushed: await unpushedCommits(git, remoteBranch) }) };
}
