/**
 * Growth: each repository's stored size against what it holds, and how it grew over time;
 * per plan, the bytes each snapshot added (what a run costs after dedup and compression) and
 * the size it backed up, over time.
 */
import { formatBytes } from '../../core/format.ts';
import type { ServeView } from '../../engine/serve/view.ts';
import { html } from '../html.ts';
import type { Actor } from '../forms.ts';
import { layout } from '../layout.ts';
import { columns } from '../svg.ts';

export async function growthPage(view: ServeView, actor: Actor): Promise<string> {
  const snapshots = await view.snapshots();
  const plans = view.plans();
  const repositories = [...new Set(plans.map((p) => view.config.plans[p]!.repository))];
  const body = html`<h2>Repositories</h2>
<div class="scroll"><table><tr><th>Repository</th><th>Stored</th><th>Backed up (all snapshots)</th><th>Ratio</th><th>Snapshots</th></tr>
${repositories.map((name) => {
  const figures = view.repository(name);
  const count = snapshots.filter((s) => s.repository === name).length;
  return html`<tr><td>${name}</td><td>${figures === undefined ? '-' : formatBytes(figures.storedBytes)}</td><td>${figures === undefined ? '-' : formatBytes(figures.logicalBytes)}</td><td>${figures === undefined ? '-' : `${(figures.logicalBytes / Math.max(1, figures.storedBytes)).toFixed(1)}×`}</td><td>${count}</td></tr>`;
})}</table></div>
${repositories.map((name) => {
  // What the snapshots it holds added, summed in time order: the repository's size as they built it up.
  let total = 0;
  const points = snapshots.filter((s) => s.repository === name).map((s) => {
    total += s.summary.newBytes;
    return { time: Date.parse(s.time), value: total, title: `${s.id.slice(0, 8)} ${s.time}: ${formatBytes(total)} added so far` };
  });
  return html`<h3>${name}: growth over time</h3><p class="muted">New bytes of the snapshots it holds, summed in time order (data of forgotten snapshots is left out; the stored size above is today's).</p>${columns(points, formatBytes)}`;
})}
${plans.map((plan) => {
  const mine = snapshots.filter((s) => s.plan === plan);
  const added = mine.reduce((sum, s) => sum + s.summary.newBytes, 0);
  return html`<h2>${plan}</h2>
<p>${mine.length} snapshots added ${formatBytes(added)} to ${view.config.plans[plan]!.repository}.</p>
<h3>New bytes per run</h3>
${columns(mine.map((s) => ({ time: Date.parse(s.time), value: s.summary.newBytes, title: `${s.id.slice(0, 8)} ${s.time}: ${formatBytes(s.summary.newBytes)} new` })), formatBytes)}
<h3>Size backed up per run</h3>
${columns(mine.map((s) => ({ time: Date.parse(s.time), value: s.summary.bytes, title: `${s.id.slice(0, 8)} ${s.time}: ${formatBytes(s.summary.bytes)}` })), formatBytes)}`;
})}`;
  return layout('Growth', '/growth', body, actor);
}
