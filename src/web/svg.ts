/**
 * The dashboard's charts as inline SVG (no script, readable in any browser, scaled to the
 * page's width): horizontal bars against a target line, and a time series of columns.
 */
import { html, type Html } from './html.ts';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** ok, warn or bad: the bar's colour. */
  readonly level: string;
  /** Text after the bar ("12.4s"). */
  readonly text: string;
}

const COLOURS: Readonly<Record<string, string>> = { ok: '#1a7f37', warn: '#9a6700', bad: '#cf222e', none: '#8c959f' };

/** One bar per row, scaled to the largest value or the target; the target drawn as a line. */
export function bars(rows: readonly Bar[], target?: { readonly value: number; readonly label: string }): Html {
  const width = 600;
  const labelWidth = 150;
  const textWidth = 90;
  const row = 22;
  const height = rows.length * row + (target === undefined ? 8 : 24);
  const max = Math.max(1e-9, target?.value ?? 0, ...rows.map((r) => r.value));
  const scale = (v: number) => ((width - labelWidth - textWidth) * v) / max;
  const targetX = target === undefined ? 0 : labelWidth + scale(target.value);
  return html`<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${rows.map((r) => `${r.label} ${r.text}`).join(', ')}">
${rows.map((r, i) => html`<text x="0" y="${i * row + 15}">${r.label}</text><rect x="${labelWidth}" y="${i * row + 4}" width="${Math.max(1, scale(r.value)).toFixed(1)}" height="14" fill="${COLOURS[r.level] ?? COLOURS['none']}"><title>${r.label}: ${r.text}</title></rect><text x="${(labelWidth + scale(r.value) + 4).toFixed(1)}" y="${i * row + 15}">${r.text}</text>`)}
${target === undefined ? '' : html`<line x1="${targetX.toFixed(1)}" x2="${targetX.toFixed(1)}" y1="0" y2="${rows.length * row + 4}" stroke="#cf222e" stroke-dasharray="4 3"/><text x="${Math.max(0, targetX - 60).toFixed(1)}" y="${height - 4}" fill="#cf222e">${target.label}</text>`}
</svg>`;
}

export interface Point {
  /** Epoch ms. */
  readonly time: number;
  readonly value: number;
  readonly title: string;
}

/** Columns over time (one per point, at its time) with the largest value and the time span as axis labels. */
export function columns(points: readonly Point[], format: (v: number) => string): Html {
  if (points.length === 0) return html`<p class="muted">Nothing yet.</p>`;
  const width = 600;
  const height = 160;
  const plot = height - 30;
  const first = points[0]!.time;
  const last = points.at(-1)!.time;
  const span = Math.max(1, last - first);
  const max = Math.max(1e-9, ...points.map((p) => p.value));
  const step = Math.max(2, Math.min(24, (width - 60) / points.length - 1));
  const x = (t: number) => 50 + ((width - 60 - step) * (t - first)) / span;
  return html`<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${`${points.length} values up to ${format(max)}`}">
<text x="0" y="12">${format(max)}</text><line x1="48" x2="${width}" y1="${plot}" y2="${plot}" stroke="#d0d7de"/>
${points.map((p) => {
  const h = Math.max(1, (plot - 16) * (p.value / max));
  return html`<rect x="${x(p.time).toFixed(1)}" y="${(plot - h).toFixed(1)}" width="${step.toFixed(1)}" height="${h.toFixed(1)}" fill="#0969da"><title>${p.title}</title></rect>`;
})}
<text x="50" y="${height - 8}">${new Date(first).toISOString().slice(0, 10)}</text><text x="${width - 70}" y="${height - 8}">${new Date(last).toISOString().slice(0, 10)}</text>
</svg>`;
}
