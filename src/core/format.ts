/** Sizes and spans as a terminal line shows them: 1.5 KiB, 2m05s. */

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** What moved per second so far. */
export const perSecond = (amount: number, elapsedMs: number): number => amount / Math.max(elapsedMs / 1000, 0.001);

/** How long ago, as people read it on a status line: "42m ago", "26h05m ago", "3d4h ago"; "never" without a time. */
export function formatAge(ms: number | undefined): string {
  if (ms === undefined) return 'never';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 72 ? `${hours}h${String(minutes % 60).padStart(2, '0')}m ago` : `${Math.floor(hours / 24)}d${hours % 24}h ago`;
}
