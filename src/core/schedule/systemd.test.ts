import { describe, expect, it } from 'vitest';
import { onCalendar } from './systemd.ts';

describe('onCalendar', () => {
  it('translates fields, lists, ranges, steps, names and seconds', () => {
    expect(onCalendar('0 1 * * *', 'Europe/Rome')).toBe('*-*-* 01:00:00 Europe/Rome');
    expect(onCalendar('*/15 * * * *', 'UTC')).toBe('*-*-* *:00/15:00 UTC');
    expect(onCalendar('30 2 1,15 * *', 'UTC')).toBe('*-*-01,15 02:30:00 UTC');
    expect(onCalendar('0 22 * * 1-5', 'UTC')).toBe('Mon..Fri *-*-* 22:00:00 UTC');
    expect(onCalendar('0 3 * jan,jul sun', 'UTC')).toBe('Sun *-01,07-* 03:00:00 UTC');
    expect(onCalendar('*/5 * * * * *', 'UTC')).toBe('*-*-* *:*:00/5 UTC');
    expect(onCalendar('@weekly', 'UTC')).toBe('Sun *-*-* 00:00:00 UTC');
  });

  it('refuses what OnCalendar cannot say the same way, naming why', () => {
    expect(() => onCalendar('0 1 1 * 1', 'UTC')).toThrow(/both the day of the month and the day of the week/);
    expect(() => onCalendar('0 1-5/2 * * *', 'UTC')).toThrow(/range with a step/);
    expect(() => onCalendar('0 1 L * *', 'UTC')).toThrow(/L, W or #/);
    expect(() => onCalendar('0 1 * *', 'UTC')).toThrow(/4 fields/);
  });
});
