import { describe, expect, it } from 'vitest';
import { parseKeepSpec } from './spec.ts';

describe('parseKeepSpec', () => {
  it('reads counts, unlimited and within', () => {
    expect(parseKeepSpec('daily=7,weekly=4, monthly=unlimited,within=36h', '--keep-live')).toEqual({ daily: 7, weekly: 4, monthly: -1, withinMs: 36 * 3_600_000 });
  });

  it('names the flag and the part that is wrong', () => {
    expect(() => parseKeepSpec('daily=7,fortnightly=2', '--keep-live')).toThrow(/--keep-live daily=7,fortnightly=2: fortnightly is not one of last, hourly, daily/);
    expect(() => parseKeepSpec('daily', '--keep-live')).toThrow(/"daily" is not KIND=N/);
    expect(() => parseKeepSpec('daily=seven', '--keep-live')).toThrow(/daily=seven is not a count/);
    expect(() => parseKeepSpec('within=soon', '--keep-live')).toThrow(/within=soon is not a duration/);
  });
});
