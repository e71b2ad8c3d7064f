/**
 * A plan's GFS calendar: its snapshots by day in the policy's time zone, each with the rules
 * that keep it (daily #3, weekly 2026-W47, monthly 2026-10, hold) or marked as what the next
 * forget drops — the decisions `strata forget --plan PLAN --dry-run` prints, computed by it.
 */
import { keepPolicy } from '../../core/config/keep.ts';
import { calendarMonths, type CalendarDay } from '../../core/retention/calendar-view.ts';
import type { ServeView } from '../../engine/serve/view.ts';
import { html } from '../html.ts';
import type { Actor } from '../forms.ts';
import { layout } from '../layout.ts';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function dayCell(day: CalendarDay | null, results: ReadonlyMap<string, string>) {
  if (day === null) return html`<td></td>`;
  const kept = day.entries.some((e) => e.keep);
  const dropped = day.entries.some((e) => !e.keep);
  return html`<td class="${kept ? 'kept' : dropped ? 'dropped' : ''}"><span class="day">${day.day}</span>${day.entries.map((e) => {
    const result = results.get(e.id);
    const what = e.keep ? e.reasons.join(', ') : 'dropped by the next forget';
    return html`<div title="${`${e.id.slice(0, 8)} ${new Date(e.time).toISOString()} ${result ?? ''}: ${what}`}"><a href="/snapshots/${e.id}">${e.id.slice(0, 8)}</a> <span class="${e.keep ? 'ok' : 'bad'}">${e.keep ? e.reasons.map((r) => r.replace(/ \(.*\)$/, '')).join(', ') : 'drops'}</span></div>`;
  })}</td>`;
}

export async function calendarPage(view: ServeView, plan: string, actor: Actor): Promise<{ status: number; body: string }> {
  const config = view.config.plans[plan];
  if (config === undefined || !view.plans().includes(plan)) return { status: 404, body: layout('No such plan', '', html`<p>No plan <code>${plan}</code> is served here.</p>`, actor) };
  if (config.retention === undefined) {
    return { status: 200, body: layout(`${plan}: GFS calendar`, '', html`<p>Plan ${plan} has no <code>retention:</code>: every snapshot is kept until forgotten by hand.</p>`, actor) };
  }
  const policy = keepPolicy(config.retention);
  const zone = policy.timeZone ?? 'UTC';
  const groups = (await view.retention(plan)) ?? [];
  const results = new Map((await view.snapshots()).map((s) => [s.id, s.result]));
  const rules = Object.entries({ last: policy.last, hourly: policy.hourly, daily: policy.daily, weekly: policy.weekly, monthly: policy.monthly, yearly: policy.yearly }).filter(([, n]) => n !== undefined && n !== 0).map(([k, n]) => `${k} ${n === -1 ? 'unlimited' : n}`);
  const sections = groups.map((group) => {
    const months = calendarMonths(group.decisions, zone);
    const kept = group.decisions.filter((d) => d.keep).length;
    const label = Object.entries(group.group).map(([k, v]) => `${k} ${v === '' ? '(none)' : v}`).join(', ');
    return html`<h2>${label || 'all snapshots'}</h2>
<p>${kept} kept, ${group.decisions.length - kept} dropped by the next forget.</p>
<div class="months">${months.map((m) => html`<div class="month"><h3>${m.month} <span class="muted">(${m.kept} kept${m.dropped > 0 ? `, ${m.dropped} dropped` : ''})</span></h3>
<table><tr>${WEEKDAYS.map((d) => html`<th>${d}</th>`)}</tr>${m.weeks.map((w) => html`<tr>${w.map((d) => dayCell(d, results))}</tr>`)}</table></div>`)}</div>`;
  });
  const body = html`<p>Policy: ${rules.join(', ') || 'none'}${policy.withinMs === undefined ? '' : `, within ${config.retention.within ?? ''}`}; days in ${zone}; grouped by ${config.retention.groupBy.join(', ')}. Held snapshots are always kept.</p>
${groups.length === 0 ? html`<p class="muted">No snapshot of this plan yet.</p>` : sections}`;
  return { status: 200, body: layout(`${plan}: GFS calendar`, '', body, actor) };
}
