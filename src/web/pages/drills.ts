/**
 * Drills: the history, newest first, each with a bar per layer for when it was ready against
 * the plan's RTO, its failed steps and checks, and how the clean-up went.
 */
import { rtoLine, rtoMet, type DrillReport } from '../../core/drill/report.ts';
import { Duration } from '../../core/duration.ts';
import type { ServeView } from '../../engine/serve/view.ts';
import { html } from '../html.ts';
import type { Actor } from '../forms.ts';
import { layout } from '../layout.ts';
import { bars } from '../svg.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function drillSection(report: DrillReport) {
  const level = report.result !== 'passed' ? 'bad' : rtoMet(report) ? 'ok' : 'warn';
  const target = report.targetRtoMs === undefined ? undefined : { value: report.targetRtoMs, label: `RTO ${Duration.milliseconds(report.targetRtoMs).toString()}` };
  const layers = report.layers.filter((l) => l.result !== 'not drilled');
  const failed = report.layers.flatMap((l) => l.steps.filter((s) => s.result === 'failed').map((s) => ({ layer: l.layer, ...s })));
  return html`<section class="card">
<h2><span class="state ${level}">${report.result === 'passed' ? (level === 'ok' ? 'PASSED' : 'SLOW') : 'FAILED'}</span> ${report.plan} · ${report.startedAt} <span class="muted">(${report.mode}, snapshot <a href="/snapshots/${report.snapshot}">${report.snapshot.slice(0, 8)}</a>)</span></h2>
<p>${rtoLine(report)}</p>
${bars(layers.map((l) => ({ label: l.layer, value: l.readyMs, level: l.result === 'passed' ? 'ok' : 'bad', text: `ready at ${seconds(l.readyMs)}` })), target)}
${report.layers.some((l) => l.result === 'not drilled') ? html`<p class="muted">Not drilled: ${report.layers.filter((l) => l.result === 'not drilled').map((l) => l.layer).join(', ')}</p>` : ''}
${failed.length === 0 ? '' : html`<h3 class="bad">What failed</h3><ul>${failed.map((f) => html`<li><strong>${f.layer}: ${f.name}</strong> — ${f.detail}</li>`)}</ul>`}
<details><summary>Every step</summary><div class="scroll"><table><tr><th>Layer</th><th>Step</th><th>Result</th><th>Took</th><th>Detail</th></tr>
${report.layers.flatMap((l) => l.steps.map((s) => html`<tr><td>${l.layer}</td><td>${s.name}</td><td class="${s.result === 'passed' ? 'ok' : 'bad'}">${s.result}</td><td>${seconds(s.durationMs)}</td><td>${s.detail}</td></tr>`))}
</table></div></details>
<p class="muted">Clean-up: ${report.cleanUp.kept ? 'kept for a look (--keep)' : `${report.cleanUp.removed.length} things removed`}${report.cleanUp.problems.length === 0 ? '' : html`; <span class="bad">${report.cleanUp.problems.join('; ')}</span>`}</p>
</section>`;
}

export async function drillsPage(view: ServeView, query: URLSearchParams, actor: Actor): Promise<string> {
  const plan = query.get('plan') ?? '';
  const reports = (await view.drills()).filter((r) => plan === '' || r.plan === plan).reverse();
  const body = reports.length === 0
    ? html`<p class="muted">No drill on record${plan === '' ? '' : ` for plan ${plan}`}: run <code>strata drill PLAN</code>, or give a plan <code>drill: { schedule: … }</code>.</p>`
    : html`${reports.map(drillSection)}`;
  return layout(plan === '' ? 'Drills' : `Drills of ${plan}`, '/drills', body, actor);
}
