/**
 * `strata history export` and a plan's history step: one snapshot's API objects and chosen
 * node files written into a git working tree (docs/history.md), committed with the
 * snapshot's facts, tagged YYMMDD-HHMM, and pushed when a remote is set. An export that
 * changes nothing makes no commit and no tag; a history only moves forward in time.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { UsageError } from '../../core/errors.ts';
import { pathMatcher } from '../../core/glob.ts';
import { digestWith, type Digest } from '../../core/history/digest.ts';
import { CLUSTER_DIR, MODES_FILE, nodeFilePath, objectPath } from '../../core/history/layout.ts';
import { commitMessage, parseMessage, type ExportFacts } from '../../core/history/message.ts';
import { renderModes, renderNodeFile, type NodeFileMode } from '../../core/history/node-files.ts';
import { renderObject, type Masking } from '../../core/history/render.ts';
import { freeTag, minuteTag } from '../../core/history/tag.ts';
import { historyMac } from '../../repository/derived-keys.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { objectsRecord } from '../../sources/objects/record.ts';
import { readObjects } from '../../sources/objects/read.ts';
import { Git, openHistory } from './git.ts';
import { checkRemote, push, type PushOutcome, type RemoteSettings } from './remote.ts';
import { snapshotFiles } from './snapshot-files.ts';
import { isEmptyDirectory, WorkTree } from './worktree.ts';

export interface HistorySettings {
  readonly path: string;
  readonly timeZone: string;
  readonly files: readonly string[];
  readonly sensitiveFiles: readonly string[];
  readonly sensitiveConfigMapKeys: readonly string[];
  readonly remote?: RemoteSettings;
  /** The configuration field (or flag) each setting came from, for messages: field('remote.url'). */
  readonly field: (key: string) => string;
}

export interface ExportResult {
  readonly path: string;
  readonly snapshot: string;
  /** Whether this export made a commit (false: the tree was already what the snapshot holds). */
  readonly changed: boolean;
  readonly commit?: string;
  readonly tag?: string;
  readonly facts: ExportFacts;
  readonly warnings: readonly string[];
  readonly push?: PushOutcome;
}

export interface ExportOptions {
  readonly log?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** Node files larger than this are recorded by size and digest only: configuration is small. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The history's git repository, made on first use; a non-empty directory that is not one is refused. */
async function prepare(settings: HistorySettings): Promise<Git> {
  const dir = settings.path;
  if (!existsSync(join(dir, '.git'))) {
    if (!(await isEmptyDirectory(dir))) {
      throw new UsageError(`${settings.field('path')}: ${dir} is not empty and is not a git repository`, { hint: 'give an empty or new directory, or a history made by strata' });
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await new Git(dir).run(['init', '--quiet', '--shared=0600', '--initial-branch=main']);
  }
  await chmod(dir, 0o700);
  return openHistory(dir);
}

async function headFacts(git: Git): Promise<ExportFacts | undefined> {
  const head = await git.call(['log', '-1', '--format=%B', 'refs/heads/main']);
  return head.code === 0 ? parseMessage(head.stdout) : undefined;
}

function masking(repository: Repository, settings: HistorySettings): { masking: Masking; digest: Digest; sensitiveFile: (path: string) => boolean } {
  const digest = digestWith(historyMac(repository.masterKey));
  // A key has no "/": a pattern such as *password* matches the whole key.
  const keys = pathMatcher(settings.sensitiveConfigMapKeys);
  const files = pathMatcher(settings.sensitiveFiles);
  // pathMatcher of no patterns matches everything; here, no patterns mark nothing.
  return {
    digest,
    masking: { digest, sensitiveConfigMapKey: (key) => settings.sensitiveConfigMapKeys.length > 0 && keys.matches(key) },
    sensitiveFile: (path) => settings.sensitiveFiles.length > 0 && files.matches(path),
  };
}

interface Staged {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** What `git add -A` staged, counted by object or file (the modes list is not one). */
async function staged(git: Git): Promise<Staged> {
  const out = await git.run(['diff', '--cached', '--name-status', '--no-renames', '-z']);
  const fields = out.split('\0');
  const counts = { added: 0, removed: 0, changed: 0 };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i + 1] === MODES_FILE) continue;
    const status = fields[i]!;
    if (status === 'A') counts.added++;
    else if (status === 'D') counts.removed++;
    else counts.changed++;
  }
  return counts;
}

export async function exportHistory(repository: Repository, snapshot: StoredSnapshot, settings: HistorySettings, options: ExportOptions = {}): Promise<ExportResult> {
  const log = options.log ?? (() => undefined);
  const record = objectsRecord(snapshot.sources);
  const hasFiles = snapshot.sources.some((s) => s.type === 'files');
  if (record === undefined && !(hasFiles && settings.files.length > 0)) {
    throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds no API objects${settings.files.length > 0 ? ' and no files' : ''} to export`, {
      hint: 'history exports snapshots taken with --objects (and the node files of a files source named in history.files)',
    });
  }
  const remoteField = (key: string) => settings.field(key === '' ? 'remote' : `remote.${key}`);
  if (settings.remote !== undefined) checkRemote(settings.remote, remoteField);
  const git = await prepare(settings);
  const warnings: string[] = [];
  const previous = await headFacts(git);
  if (previous !== undefined && Date.parse(previous.time) > Date.parse(snapshot.time)) {
    throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} (${snapshot.time}) is older than snapshot ${previous.snapshot.slice(0, 8)} (${previous.time}), the newest in ${settings.path}: a history only moves forward`, {
      hint: 'export older snapshots into a new directory, oldest first',
    });
  }
  const { masking: mask, digest, sensitiveFile } = masking(repository, settings);
  const tree = new WorkTree(settings.path);
  const namespaces = new Set<string>();
  let objects = 0;
  await repository.loadIndex();
  if (record !== undefined) {
    log(`history: writing ${record.objects} objects into ${settings.path}`);
    for await (const { object } of readObjects(repository, snapshot.tree, record)) {
      const path = objectPath(object);
      if (tree.has(path)) {
        warnings.push(`${path}: two types of the same kind and group name one object; the first is kept`);
        continue;
      }
      await tree.write(path, renderObject(object, mask));
      objects++;
      const top = path.slice(0, path.indexOf('/'));
      if (top !== CLUSTER_DIR) namespaces.add(top);
    }
  }
  let files = 0;
  if (settings.files.length > 0) {
    if (!hasFiles) warnings.push(`${settings.field('files')}: snapshot ${snapshot.id.slice(0, 8)} has no files source; no node files were written`);
    else {
      const modes: NodeFileMode[] = [];
      const withheld: string[] = [];
      for await (const file of snapshotFiles(repository, snapshot.tree, pathMatcher(settings.files), MAX_FILE_BYTES)) {
        modes.push(file.mode);
        if (file.mode.type !== 'file') continue;
        const rendered = file.bytes === undefined
          ? { text: `# strata: not exported, ${file.size} bytes (larger than ${MAX_FILE_BYTES} bytes)\n` }
          : renderNodeFile(file.bytes, digest, sensitiveFile(file.mode.path));
        if ('withheld' in rendered && rendered.withheld !== undefined) withheld.push(`${file.mode.path} (${rendered.withheld})`);
        await tree.write(nodeFilePath(file.mode.path), rendered.text);
        files++;
      }
      if (modes.length === 0) warnings.push(`${settings.field('files')}: no file of snapshot ${snapshot.id.slice(0, 8)} matches ${settings.files.join(', ')}`);
      else await tree.write(MODES_FILE, renderModes(modes));
      if (withheld.length > 0) log(`history: secrets withheld from ${withheld.join(', ')}`);
    }
  }
  await tree.removeRest();
  await git.run(['add', '--all']);
  const counts = await staged(git);
  const facts: ExportFacts = {
    snapshot: snapshot.id,
    time: snapshot.time,
    host: snapshot.host,
    ...(snapshot.plan !== undefined && { plan: snapshot.plan }),
    ...(record !== undefined && { server: record.server }),
    ...(record?.clusterId !== undefined && { clusterId: record.clusterId }),
    objects,
    namespaces: namespaces.size,
    files,
    ...counts,
  };
  const changed = (await git.call(['diff', '--cached', '--quiet'])).code !== 0;
  let tag: string | undefined;
  if (changed) {
    const identity = { GIT_AUTHOR_NAME: 'Strata', GIT_AUTHOR_EMAIL: `strata@${hostname()}`, GIT_COMMITTER_NAME: 'Strata', GIT_COMMITTER_EMAIL: `strata@${hostname()}`, GIT_AUTHOR_DATE: snapshot.time };
    await git.run(['commit', '--quiet', '--no-verify', '--message', commitMessage(facts)], { env: identity });
    const taken = new Set((await git.run(['tag', '--list'])).split('\n'));
    tag = freeTag(minuteTag(Date.parse(snapshot.time), settings.timeZone), (t) => taken.has(t));
    // Without --force: git refuses to move an existing tag, whatever happened in between.
    await git.run(['tag', tag, 'HEAD']);
    log(`history: committed ${counts.added} added, ${counts.removed} removed, ${counts.changed} changed; tagged ${tag}`);
  } else log(`history: no changes since ${previous === undefined ? 'the start' : `snapshot ${previous.snapshot.slice(0, 8)}`}; no commit`);
  const head = await git.call(['rev-parse', '--verify', '--quiet', 'HEAD']);
  let pushed: PushOutcome | undefined;
  if (settings.remote !== undefined) {
    pushed = await push(git, settings.remote, { field: remoteField, warn: (m) => warnings.push(m), ...(options.signal && { signal: options.signal }) });
    if (pushed.error !== undefined) warnings.push(`history push to ${settings.remote.url} failed, the commits stay local and the next export pushes them: ${pushed.error}`);
    else log(`history: pushed to ${settings.remote.url}`);
  }
  return { path: settings.path, snapshot: snapshot.id, changed, ...(head.code === 0 && { commit: head.stdout.trim() }), ...(tag !== undefined && { tag }), facts, warnings, ...(pushed !== undefined && { push: pushed }) };
}
