/**
 * `strata history diff`: what changed between two tags, by object rather than by line —
 * an object's changed fields (parsed from both YAML files, compared as `strata diff` does),
 * a node file's changed lines, a changed mode or owner — grouped into added, removed and
 * changed. Pure: the git side hands in the paths, the two texts and the file patch.
 */
import { parse } from 'yaml';
import { fieldChanges, type FieldChange } from '../objects/diff.ts';
import { describePath, MODES_FILE, type EntryKind } from './layout.ts';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface HistoryChange {
  readonly kind: EntryKind;
  /** "shop/deployment.apps/web", or a node file's absolute path. */
  readonly name: string;
  readonly change: ChangeKind;
  /** A changed object's fields (and a changed mode line, as a field named by the file). */
  readonly fields?: readonly FieldChange[];
  /** A changed node file's lines. */
  readonly lines?: { readonly removed: readonly string[]; readonly added: readonly string[] };
}

export interface HistoryDiff {
  readonly from: string;
  readonly to: string;
  readonly added: readonly HistoryChange[];
  readonly removed: readonly HistoryChange[];
  readonly changed: readonly HistoryChange[];
}

export interface PathChange {
  readonly change: ChangeKind;
  readonly path: string;
  /** The file at the older tag (changed, removed) and at the newer one (changed, added). */
  readonly before?: string;
  readonly after?: string;
  readonly patchLines?: { readonly removed: readonly string[]; readonly added: readonly string[] };
}

/** `_files.modes` as a map from path to its line. */
function modeLines(text: string | undefined): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const match = /^(\d{4} \d+:\d+ \w+) (\/.*?)(?: -> .*)?$/.exec(line);
    if (match) lines.set(match[2]!, line);
  }
  return lines;
}

function modeChanges(before: string | undefined, after: string | undefined): HistoryChange[] {
  const a = modeLines(before);
  const b = modeLines(after);
  const changes: HistoryChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const was = a.get(path);
    const now = b.get(path);
    // A file that came or went is reported as the file itself; only a changed line for a kept file is news.
    if (was === undefined || now === undefined || was === now) continue;
    changes.push({ kind: 'modes', name: path, change: 'changed', fields: [{ path: 'mode', before: was.split(' ').slice(0, 2).join(' '), after: now.split(' ').slice(0, 2).join(' ') }] });
  }
  return changes;
}

function parsed(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : parse(text);
  } catch {
    return text;
  }
}

export function historyDiff(from: string, to: string, paths: readonly PathChange[]): HistoryDiff {
  const added: HistoryChange[] = [];
  const removed: HistoryChange[] = [];
  const changed: HistoryChange[] = [];
  for (const p of paths) {
    if (p.path === MODES_FILE) {
      changed.push(...modeChanges(p.before, p.after));
      continue;
    }
    const { kind, name } = describePath(p.path);
    if (p.change === 'added') added.push({ kind, name, change: 'added' });
    else if (p.change === 'removed') removed.push({ kind, name, change: 'removed' });
    else if (kind === 'object') changed.push({ kind, name, change: 'changed', fields: fieldChanges(parsed(p.before), parsed(p.after)) });
    else changed.push({ kind, name, change: 'changed', lines: p.patchLines ?? { removed: [], added: [] } });
  }
  const byName = (a: HistoryChange, b: HistoryChange) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { from, to, added: added.sort(byName), removed: removed.sort(byName), changed: changed.sort(byName) };
}

/** The removed and added lines of each file in a `git diff -U0` patch, by path (the newer side's). */
export function patchLines(patch: string): Map<string, { removed: string[]; added: string[] }> {
  const files = new Map<string, { removed: string[]; added: string[] }>();
  let current: { removed: string[]; added: string[] } | undefined;
  let oldPath: string | undefined;
  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = undefined;
      oldPath = undefined;
    } else if (line.startsWith('--- ')) oldPath = line === '--- /dev/null' ? undefined : line.slice(6);
    else if (line.startsWith('+++ ')) {
      const path = line === '+++ /dev/null' ? oldPath : line.slice(6);
      if (path !== undefined) files.set(path, (current = { removed: [], added: [] }));
    } else if (current !== undefined && line.startsWith('-')) current.removed.push(line.slice(1));
    else if (current !== undefined && line.startsWith('+')) current.added.push(line.slice(1));
  }
  return files;
}
