/** Runs: what this server ran (backups and their retention, replication, hooks), newest first. */
import { formatBytes, formatSeconds } from '../../core/format.ts';
import type { ServeView } from '../../engine/serve/view.ts';
import { html } from '../html.ts';
import type { Actor } from '../forms.ts';
import { layout } from '../layout.ts';

const LEVEL: Readonly<Record<string, string>> = { succeeded: 'ok', 'partially-failed': 'warn', failed: 'bad' };

export function runsPage(view: ServeView, query: URLSearchParams, actor: Actor): string {
  const plan = query.get('plan') ?? undefined;
  const runs = view.runs(plan);
  const running = view.running().filter((r) => plan === undefined || r.plan === plan);
  const now = html`<h2>Running now</h2>${running.length === 0 ? html`<p class="muted">Nothing.</p>` : html`<ul>${running.map((r) => html`<li>${r.kind} of ${r.plan} since ${r.startedAt} (${r.trigger})${r.progress === undefined ? '' : html`: <code>${r.progress}</code>`}</li>`)}</ul><p class="muted">This page reloads every 5 seconds while something runs.</p>`}<h2>Finished</h2>`;
  const body = runs.length === 0
    ? html`<p class="muted">No run by this server yet${plan === undefined ? '' : ` for plan ${plan}`}.</p>`
    : html`<div class="scroll"><table><tr><th>Started</th><th>Plan</th><th>Trigger</th><th>Result</th><th>Took</th><th>Snapshot</th><th>Backed up</th><th>Added</th><th>Forgotten</th><th>Notes</th></tr>
${runs.map((r) => html`<tr><td>${r.startedAt}</td><td>${r.plan}</td><td>${r.trigger}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}</td><td class="${LEVEL[r.result] ?? ''}">${r.result}</td><td>${formatSeconds(r.durationMs / 1000)}</td><td>${r.snapshot === undefined ? '-' : html`<a href="/snapshots/${r.snapshot}">${r.snapshot.slice(0, 8)}</a>`}</td><td>${formatBytes(r.bytes)}</td><td>${formatBytes(r.bytesAdded)}</td><td>${r.forgotten}</td><td>${[r.error, ...r.warnings].filter((w) => w !== undefined).join('; ')}</td></tr>`)}
</table></div>`;
  return layout(plan === undefined ? 'Runs' : `Runs of ${plan}`, '/runs', html`${now}${body}`, actor, running.length > 0 ? 5 : undefined);
}
