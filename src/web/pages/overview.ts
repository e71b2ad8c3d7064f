/**
 * The overview: every plan on one card — its state (red, amber, green, and why), last run
 * and next, RPO, last drill against the RTO, and its repository's size and dedup ratio.
 */
import { Duration } from '../../core/duration.ts';
import { formatAge, formatBytes } from '../../core/format.ts';
import type { PlanStatus } from '../../engine/plan/status.ts';
import type { ServeView } from '../../engine/serve/view.ts';
import { href, html, type Html } from '../html.ts';
import { actionForm, type Actor } from '../forms.ts';
import { layout } from '../layout.ts';

export type Level = 'ok' | 'warn' | 'bad' | 'none';

export interface Judgement {
  readonly level: Level;
  readonly why: string;
}

const span = (ms: number) => Duration.milliseconds(ms).toString();
const RANK: Readonly<Record<Level, number>> = { none: 0, ok: 1, warn: 2, bad: 3 };

/** The plan's backups against its RPO. */
export function rpoJudgement(status: PlanStatus): Judgement {
  if (status.error !== undefined) return { level: 'bad', why: `repository unreadable: ${status.error}` };
  const rpo = status.rpoMs === undefined ? undefined : span(status.rpoMs);
  if (status.violated) {
    return { level: 'bad', why: status.lastGood === undefined ? `no good snapshot yet; RPO ${rpo}` : `newest good snapshot ${formatAge(status.ageMs)}, older than the RPO ${rpo}` };
  }
  if (status.lastResult !== undefined && status.lastResult !== 'completed') return { level: 'warn', why: `newest snapshot ${status.lastResult}; the good one before is ${formatAge(status.ageMs)}` };
  if (rpo === undefined) return { level: 'none', why: status.lastGood === undefined ? 'no snapshot yet; no rpo: set' : `newest good snapshot ${formatAge(status.ageMs)}; no rpo: set` };
  return { level: 'ok', why: `newest good snapshot ${formatAge(status.ageMs)}, within the RPO ${rpo}` };
}

/** The plan's drills against its RTO and drill schedule. */
export function drillJudgement(status: PlanStatus): Judgement {
  const drill = status.drill;
  if (drill === undefined) return { level: 'none', why: 'no drill: and no rto: set' };
  if (drill.violated) return { level: 'bad', why: drill.reason ?? 'the last drill failed' };
  if (drill.lastDrill === undefined) return { level: 'warn', why: 'never drilled: a backup that was never restored is a hope' };
  const rto = drill.lastRtoMs === undefined ? '' : `, RTO ${(drill.lastRtoMs / 1000).toFixed(1)}s${drill.targetRtoMs === undefined ? '' : ` of ${span(drill.targetRtoMs)}`}`;
  return { level: 'ok', why: `last drill ${drill.lastResult ?? '?'} ${formatAge(Date.now() - Date.parse(drill.lastDrill))}${rto}` };
}

export function worst(...judgements: readonly Judgement[]): Level {
  return judgements.reduce<Level>((w, j) => (RANK[j.level] > RANK[w] ? j.level : w), 'none');
}

const LABEL: Readonly<Record<Level, string>> = { ok: 'OK', warn: 'CHECK', bad: 'AT RISK', none: 'UNSET' };

export const badge = (level: Level, text = LABEL[level]): Html => html`<span class="state ${level}">${text}</span>`;

export async function overviewPage(view: ServeView, actor: Actor): Promise<string> {
  const statuses = await view.statuses();
  const next = view.nextRuns();
  const cards = statuses.map((status) => {
    const rpo = rpoJudgement(status);
    const drill = drillJudgement(status);
    const [lastRun] = view.runs(status.plan);
    const figures = view.repository(status.repository);
    const nextRun = next.get(status.plan);
    const nextDrill = next.get(`drill ${status.plan}`);
    return html`<section class="card" id="plan-${status.plan}">
<h2>${badge(worst(rpo, drill))} ${status.plan}</h2>
<dl>
<dt>RPO</dt><dd class="${rpo.level}">${rpo.why}</dd>
<dt>Drills</dt><dd class="${drill.level}">${drill.why}</dd>
<dt>Last run</dt><dd>${lastRun === undefined ? html`<span class="muted">none by this server${status.lastResult === undefined ? '' : `; the newest snapshot ${status.lastResult}`}</span>` : html`${lastRun.result}, ${formatAge(Date.now() - Date.parse(lastRun.finishedAt))}${lastRun.error === undefined ? '' : html` — <span class="bad">${lastRun.error}</span>`}`}</dd>
<dt>Next run</dt><dd>${nextRun === undefined ? html`<span class="muted">not scheduled here</span>` : new Date(nextRun).toISOString()}</dd>
${nextDrill === undefined ? '' : html`<dt>Next drill</dt><dd>${new Date(nextDrill).toISOString()}</dd>`}
<dt>Snapshots</dt><dd>${status.snapshots} in ${status.repository}</dd>
<dt>Repository</dt><dd>${figures === undefined ? html`<span class="muted">not measured yet</span>` : `${formatBytes(figures.storedBytes)} stored for ${formatBytes(figures.logicalBytes)} backed up (dedup and compression ${(figures.logicalBytes / Math.max(1, figures.storedBytes)).toFixed(1)}×)`}</dd>
</dl>
${actor.act ? html`<p>${actionForm(actor, '/actions/run', { plan: status.plan }, 'Run now')} ${actionForm(actor, '/actions/drill', { plan: status.plan }, 'Drill now')}</p>` : ''}
<p><a href="${href(`/plans/${encodeURIComponent(status.plan)}/calendar`)}">GFS calendar</a> · <a href="${href('/snapshots', { plan: status.plan })}">snapshots</a> · <a href="${href('/drills', { plan: status.plan })}">drills</a> · <a href="${href('/runs', { plan: status.plan })}">runs</a></p>
</section>`;
  });
  const body = statuses.length === 0 ? html`<p class="muted">No plan is served.</p>` : html`<div class="cards">${cards}</div>`;
  const running = view.running();
  const now = running.length === 0 ? html`` : html`<p><strong>Running now:</strong> ${running.map((r) => `${r.kind} of ${r.plan} since ${r.startedAt} (${r.trigger})${r.progress === undefined ? '' : `: ${r.progress}`}`).join('; ')} — <a href="/runs">follow it</a></p>`;
  return layout('Are we covered?', '/', html`${now}${body}`, actor);
}
