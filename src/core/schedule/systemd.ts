/**
 * A cron expression as a systemd OnCalendar= expression, for `strata install systemd`.
 * Lists, ranges, steps, names and a seconds field translate; what systemd cannot say the
 * same way is refused with the reason rather than approximated: cron ORs a restricted
 * day-of-month with a restricted day-of-week, systemd ANDs them; ranges with steps and
 * croner's L/#/W extensions have no OnCalendar form.
 */
import { UsageError } from '../errors.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

type Field = 'second' | 'minute' | 'hour' | 'day' | 'month' | 'weekday';

function refuse(expression: string, why: string): never {
  throw new UsageError(`schedule "${expression}": ${why}, which systemd's OnCalendar cannot express the same way`, {
    hint: 'simplify the cron expression, or run the plan with `strata serve` instead of a timer',
  });
}

function value(expression: string, field: Field, text: string): number {
  const lower = text.toLowerCase();
  if (field === 'month' && MONTHS.includes(lower.slice(0, 3))) return MONTHS.indexOf(lower.slice(0, 3)) + 1;
  if (field === 'weekday') {
    const day = DAYS.findIndex((d) => d.toLowerCase() === lower.slice(0, 3));
    if (day >= 0) return day;
  }
  if (!/^\d+$/.test(text)) refuse(expression, `"${text}" in the ${field} field is not a plain value`);
  const n = Number(text);
  return field === 'weekday' && n === 7 ? 0 : n;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function translate(expression: string, field: Field, text: string): string {
  if (text === '*' || text === '?') return '*';
  return text
    .split(',')
    .map((part) => {
      const [range, step] = part.split('/') as [string, string | undefined];
      if (step !== undefined && !/^\d+$/.test(step)) refuse(expression, `step "${step}" is not a number`);
      if (range.includes('-')) {
        if (step !== undefined) refuse(expression, `"${part}" is a range with a step`);
        const [from, to] = range.split('-') as [string, string];
        const a = value(expression, field, from);
        const b = value(expression, field, to);
        return field === 'weekday' ? `${DAYS[a]}..${DAYS[b]}` : `${pad2(a)}..${pad2(b)}`;
      }
      if (field === 'weekday') {
        if (step !== undefined) refuse(expression, `"${part}" steps through weekdays`);
        return DAYS[value(expression, field, range)]!;
      }
      const start = range === '*' ? (field === 'day' || field === 'month' ? 1 : 0) : value(expression, field, range);
      return step === undefined ? pad2(start) : `${pad2(start)}/${step}`;
    })
    .join(',');
}

export function onCalendar(expression: string, timeZone: string): string {
  const expanded = NICKNAMES[expression.trim().toLowerCase()] ?? expression.trim();
  if (/[LW#]/i.test(expanded.replace(/[a-z]{3}/gi, (m) => (MONTHS.includes(m.toLowerCase()) || DAYS.some((d) => d.toLowerCase() === m.toLowerCase()) ? '' : m)))) {
    refuse(expression, 'it uses L, W or # (last day, nearest weekday, nth weekday)');
  }
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) refuse(expression, `it has ${fields.length} fields (5, or 6 with seconds first, are expected)`);
  const [second, minute, hour, day, month, weekday] = fields.length === 6 ? fields : ['0', ...fields];
  if (day !== '*' && day !== '?' && weekday !== '*' && weekday !== '?') refuse(expression, 'it restricts both the day of the month and the day of the week (cron runs on either)');
  const dow = translate(expression, 'weekday', weekday!);
  const date = `*-${translate(expression, 'month', month!)}-${translate(expression, 'day', day!)}`;
  const time = `${translate(expression, 'hour', hour!)}:${translate(expression, 'minute', minute!)}:${translate(expression, 'second', second!)}`;
  return `${dow === '*' ? '' : `${dow} `}${date} ${time} ${timeZone}`;
}
