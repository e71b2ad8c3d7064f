/** The dashboard's action buttons: plain POST forms, each with the visitor's CSRF token; shown only to an operator. */
import { html, type Html } from './html.ts';

export interface Actor {
  readonly act: boolean;
  /** Empty for a bearer token (not ambient). */
  readonly csrf: string;
  readonly canLogIn: boolean;
  readonly name: string;
}

export const READER: Actor = { act: false, csrf: '', canLogIn: false, name: 'anonymous' };

export function actionForm(actor: Actor, action: string, fields: Readonly<Record<string, string>>, label: string, extra?: Html): Html {
  if (!actor.act) return html``;
  return html`<form class="inline" method="post" action="${action}">${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<input type="hidden" name="csrf" value="${actor.csrf}">${extra ?? ''}<button type="submit">${label}</button></form>`;
}

/** The header's corner: who is acting, or the way to log in. */
export function whoAmI(actor: Actor): Html {
  if (actor.act) return html`<span class="who">${actor.name} · ${actionForm(actor, '/logout', {}, 'Log out')}</span>`;
  return actor.canLogIn ? html`<a class="who" href="/login">Log in to act</a>` : html``;
}
