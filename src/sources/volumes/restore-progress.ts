/** The terminal line of a volume restore: the image being fed to Ceph, bytes, rate and ETA. */
import { formatBytes, formatSeconds, perSecond } from '../../core/format.ts';

export function restoreProgressText(p: { claim: string; bytes: number; total: number }, elapsedMs: number): string {
  const rate = perSecond(p.bytes, elapsedMs);
  const eta = rate > 0 && p.total > p.bytes ? `, ETA ${formatSeconds((p.total - p.bytes) / rate)}` : '';
  return `[${formatSeconds(elapsedMs / 1000)}] restoring ${p.claim}: ${formatBytes(p.bytes)} of ${formatBytes(p.total)}, ${formatBytes(rate)}/s${eta}`;
}
