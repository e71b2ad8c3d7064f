/**
 * A span of time written the way operators write it: "90s", "15m", "24h", "7d", "4w",
 * "1h30m". Months and years are not durations (their length varies); retention counts them
 * as calendar buckets instead.
 */

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

type Unit = keyof typeof UNIT_MS;

const PART = /(\d+)(ms|s|m|h|d|w)/gy;

export class Duration {
  readonly milliseconds: number;

  private constructor(milliseconds: number) {
    this.milliseconds = milliseconds;
  }

  static milliseconds(n: number): Duration {
    return new Duration(n);
  }
  static seconds(n: number): Duration {
    return new Duration(n * UNIT_MS.s);
  }
  static minutes(n: number): Duration {
    return new Duration(n * UNIT_MS.m);
  }
  static hours(n: number): Duration {
    return new Duration(n * UNIT_MS.h);
  }
  static days(n: number): Duration {
    return new Duration(n * UNIT_MS.d);
  }

  /** Parses "1h30m"-style text; returns undefined when the text is not a duration. */
  static parse(text: string): Duration | undefined {
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    PART.lastIndex = 0;
    let total = 0;
    let consumed = 0;
    for (let match = PART.exec(trimmed); match !== null; match = PART.exec(trimmed)) {
      total += Number(match[1]) * UNIT_MS[match[2] as Unit];
      consumed = PART.lastIndex;
    }
    return consumed === trimmed.length ? new Duration(total) : undefined;
  }

  get seconds(): number {
    return this.milliseconds / UNIT_MS.s;
  }

  /** The shortest "1d2h3m4s" form; "0s" for zero. */
  toString(): string {
    let rest = this.milliseconds;
    let text = '';
    for (const unit of ['w', 'd', 'h', 'm', 's', 'ms'] as const) {
      const count = Math.floor(rest / UNIT_MS[unit]);
      if (count > 0) {
        text += `${count}${unit}`;
        rest -= count * UNIT_MS[unit];
      }
    }
    return text === '' ? '0s' : text;
  }

  toJSON(): string {
    return this.toString();
  }
}
