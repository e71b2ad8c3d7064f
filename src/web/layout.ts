/**
 * The dashboard's page frame: one stylesheet inline (nothing from a CDN, no script), a
 * navigation bar, and a layout that reflows to one column on a phone.
 */
import { whoAmI, type Actor, READER } from './forms.ts';
import { Html, html } from './html.ts';

const STYLE = `
:root { --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
header { background: #24292f; color: #fff; padding: .6rem 1rem; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; align-items: baseline; }
header strong { font-size: 1.1rem; margin-right: .5rem; }
header a { color: #d0d7de; text-decoration: none; }
header a.here { color: #fff; border-bottom: 2px solid #fff; }
header .who { margin-left: auto; color: #d0d7de; }
header button, main button { font: inherit; padding: .1rem .6rem; }
main { padding: 1rem; max-width: 76rem; margin: 0 auto; }
h1 { font-size: 1.35rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
.scroll { overflow-x: auto; }
.muted { color: var(--muted); }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); }
.state { display: inline-block; min-width: 4.2rem; padding: .05rem .45rem; border-radius: 1rem; color: #fff; font-size: .8rem; font-weight: 600; text-align: center; }
.state.ok { background: var(--ok); } .state.warn { background: var(--warn); } .state.bad { background: var(--bad); } .state.none { background: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .8rem 1rem; }
.card h2 { margin-top: 0; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; }
.months { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1rem; }
.month table { table-layout: fixed; }
.month td { height: 3.2rem; font-size: .75rem; border: 1px solid var(--line); padding: .15rem; overflow-wrap: anywhere; }
.month td.kept { background: #dafbe1; } .month td.dropped { background: #ffebe9; }
.month .day { color: var(--muted); }
code, pre { font: .85rem ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--bg); padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
form.inline { display: inline; }
svg { max-width: 46rem; display: block; }
svg text { font: 11px system-ui, sans-serif; fill: #1f2328; }
@media (max-width: 40rem) { main { padding: .6rem; } th, td { padding: .3rem; } .cards { grid-template-columns: 1fr; } }
`;

const NAV: readonly (readonly [string, string])[] = [['/', 'Overview'], ['/snapshots', 'Snapshots'], ['/drills', 'Drills'], ['/growth', 'Growth'], ['/runs', 'Runs']];

/** `refresh`: seconds after which the browser loads the page again (live progress without a script). */
export function layout(title: string, here: string, body: Html, actor: Actor = READER, refresh?: number): string {
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${refresh === undefined ? '' : html`<meta http-equiv="refresh" content="${refresh}">`}<title>${title} · Strata</title><style>${new Html(STYLE)}</style></head>
<body><header><strong>Strata</strong>${NAV.map(([path, name]) => html`<a href="${path}" class="${path === here ? 'here' : ''}">${name}</a>`)}${whoAmI(actor)}</header>
<main><h1>${title}</h1>${body}</main></body></html>`.text}`;
}
