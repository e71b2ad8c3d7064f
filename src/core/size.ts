/** Byte sizes as operators write them: 65536, 64KiB, 4MiB, 1GiB (binary units; K/M/G alone mean the same). */
const UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, K: 2 ** 10, KI: 2 ** 10, KIB: 2 ** 10, M: 2 ** 20, MI: 2 ** 20, MIB: 2 ** 20, G: 2 ** 30, GI: 2 ** 30, GIB: 2 ** 30 };

export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m === null ? undefined : UNITS[m[2]!.toUpperCase()];
  return m === null || unit === undefined ? undefined : Number(m[1]) * unit;
}
