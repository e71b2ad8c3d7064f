/** A one-line progress display on a terminal (stderr), and nothing elsewhere. */

import { formatBytes, formatSeconds, perSecond } from '../core/format.ts';

export { formatBytes };

export interface ProgressLine {
  update(text: string): void;
  done(): void;
}

export function progressLine(enabled: boolean): ProgressLine {
  const active = enabled && process.stderr.isTTY;
  let drawn = false;
  return {
    update(text) {
      if (!active) return;
      process.stderr.write(`\r\u001b[2K${text.slice(0, (process.stderr.columns || 120) - 1)}`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\u001b[2K');
    },
  };
}

export function volumeRestoreProgressText(p: { claim: string; bytes: number; total: number }, elapsedMs: number): string {
  const rate = perSecond(p.bytes, elapsedMs);
  const eta = rate > 0 && p.total > p.bytes ? `, ETA ${formatSeconds((p.total - p.bytes) / rate)}` : '';
  return `[${formatSeconds(elapsedMs / 1000)}] restoring ${p.claim}: ${formatBytes(p.bytes)} of ${formatBytes(p.total)}, ${formatBytes(rate)}/s${eta}`;
}

