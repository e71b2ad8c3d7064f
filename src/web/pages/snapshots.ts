/**
 * Snapshots: the list, filtered by plan, source and result; and one snapshot — its sources
 * as `strata show` describes them (left-out objects included), counts, sizes, new bytes,
 * warnings — with the exact restore commands for it, as a download.
 */
import { formatBytes, formatSeconds } from '../../core/format.ts';
import type { ServeView } from '../../engine/serve/view.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { describeSource, knownSource } from '../../sources/registry.ts';
import { href, html } from '../html.ts';
import { actionForm, type Actor } from '../forms.ts';
import { layout } from '../layout.ts';

type Listed = StoredSnapshot & { readonly repository: string };

const RESULT_LEVEL: Readonly<Record<string, string>> = { completed: 'ok', 'partially-failed': 'warn', failed: 'bad' };

export async function snapshotsPage(view: ServeView, query: URLSearchParams, actor: Actor): Promise<string> {
  const plan = query.get('plan') ?? '';
  const source = query.get('source') ?? '';
  const result = query.get('result') ?? '';
  const all = await view.snapshots();
  const shown = all.filter((s) => (plan === '' || s.plan === plan) && (source === '' || s.sources.some((x) => x.type === source)) && (result === '' || s.result === result)).reverse();
  const option = (value: string, chosen: string) => html`<option value="${value}" ${value === chosen ? html`selected` : ''}>${value || 'any'}</option>`;
  const plans = ['', ...new Set(all.map((s) => s.plan ?? '').filter((p) => p !== ''))];
  const sources = ['', ...new Set(all.flatMap((s) => s.sources.map((x) => x.type)))];
  const body = html`<form method="get" action="/snapshots">
<label>Plan <select name="plan">${plans.map((p) => option(p, plan))}</select></label>
<label>Source <select name="source">${sources.map((p) => option(p, source))}</select></label>
<label>Result <select name="result">${['', 'completed', 'partially-failed', 'failed'].map((p) => option(p, result))}</select></label>
<button type="submit">Filter</button></form>
<p>${shown.length} of ${all.length} snapshots.</p>
<div class="scroll"><table><tr><th>ID</th><th>Time</th><th>Plan</th><th>Host</th><th>Sources</th><th>Result</th><th>Size</th><th>New</th></tr>
${shown.map((s) => html`<tr><td><a href="/snapshots/${s.id}"><code>${s.id.slice(0, 8)}</code></a></td><td>${s.time}</td><td>${s.plan ?? '-'}</td><td>${s.host}</td><td>${s.sources.map((x) => x.type).join(', ')}</td><td class="${RESULT_LEVEL[s.result] ?? ''}">${s.result}</td><td>${formatBytes(s.summary.bytes)}</td><td>${formatBytes(s.summary.newBytes)}</td></tr>`)}
</table></div>`;
  return layout('Snapshots', '/snapshots', body, actor);
}

/** The CLI lines that restore this snapshot, source by source, each as a dry run first. */
export function restoreCommands(snapshot: Listed): string[] {
  const repo = `--repo ${snapshot.repository}`;
  const id = snapshot.id.slice(0, 12);
  const lines = [`# snapshot ${snapshot.id} (${snapshot.time}${snapshot.plan === undefined ? '' : `, plan ${snapshot.plan}`}): the runbooks in docs/runbooks say the order`, `strata show ${id} ${repo}`];
  for (const { type } of snapshot.sources) lines.push(`strata restore ${id} ${knownSource(type)?.restoreFlags?.(id.slice(0, 8)) ?? `--${type}`} --dry-run ${repo}`);
  return lines;
}

function findSnapshot(all: readonly Listed[], id: string): Listed | undefined {
  const matches = all.filter((s) => s.id.startsWith(id));
  return matches.length === 1 ? matches[0] : undefined;
}

export async function snapshotPage(view: ServeView, id: string, actor: Actor): Promise<{ status: number; body: string }> {
  const snapshot = /^[0-9a-f]{4,64}$/.test(id) ? findSnapshot(await view.snapshots(), id) : undefined;
  if (snapshot === undefined) return { status: 404, body: layout('No such snapshot', '/snapshots', html`<p>No single snapshot has an ID starting <code>${id}</code>.</p>`, actor) };
  const sources = snapshot.sources.map((source) => {
    const described = describeSource(source);
    return html`<h2>${source.type}</h2><p>${described.headline}</p>
${described.details.length === 0 ? '' : html`<div class="scroll"><table>${described.details.map(([label, text]) => html`<tr><th>${label}</th><td>${text}</td></tr>`)}</table></div>`}`;
  });
  const s = snapshot.summary;
  const hold = (await view.holds(snapshot.repository)).get(snapshot.id);
  const holdLine = hold === undefined
    ? html`not held${actor.act ? html` · ${actionForm(actor, '/actions/hold', { repository: snapshot.repository, snapshot: snapshot.id }, 'Hold', html`<input name="reason" placeholder="reason" required> `)}` : ''}`
    : html`<span class="warn">held</span> since ${hold.time} by ${hold.username}: ${hold.reason}${actor.act ? html` · ${actionForm(actor, '/actions/release', { repository: snapshot.repository, snapshot: snapshot.id }, 'Release')}` : ''}`;
  const body = html`<div class="card"><dl>
<dt>ID</dt><dd><code>${snapshot.id}</code></dd>
<dt>Time</dt><dd>${snapshot.time}</dd>
<dt>Plan</dt><dd>${snapshot.plan ?? '-'}</dd>
<dt>Repository</dt><dd>${snapshot.repository}</dd>
<dt>Host</dt><dd>${snapshot.host}</dd>
<dt>Result</dt><dd class="${RESULT_LEVEL[snapshot.result] ?? ''}">${snapshot.result}</dd>
<dt>Contents</dt><dd>${s.files} files, ${s.dirs} directories, ${formatBytes(s.bytes)}</dd>
<dt>New in this snapshot</dt><dd>${formatBytes(s.newBytes)}</dd>
<dt>Took</dt><dd>${formatSeconds(s.durationMs / 1000)}</dd>
<dt>Tags</dt><dd>${snapshot.tags.join(', ') || '-'}</dd>
<dt>Hold</dt><dd>${holdLine}</dd>
</dl></div>
${snapshot.warnings.length === 0 ? '' : html`<h2 class="warn">Warnings</h2><ul>${snapshot.warnings.map((w) => html`<li>${w}</li>`)}</ul>`}
${sources}
<h2>Restore</h2><pre>${restoreCommands(snapshot).join('\n')}</pre>
<p><a href="${href(`/snapshots/${snapshot.id}/restore.sh`)}" download="restore-${snapshot.id.slice(0, 8)}.sh">Download the restore commands</a></p>`;
  return { status: 200, body: layout(`Snapshot ${snapshot.id.slice(0, 8)}`, '/snapshots', body, actor) };
}

export async function restoreScript(view: ServeView, id: string): Promise<string | undefined> {
  const snapshot = /^[0-9a-f]{4,64}$/.test(id) ? findSnapshot(await view.snapshots(), id) : undefined;
  return snapshot === undefined ? undefined : `#!/bin/sh\n# Dry runs first: drop --dry-run from a line once its plan reads right (docs/cli.md, strata restore).\nset -e\n${restoreCommands(snapshot).join('\n')}\n`;
}
