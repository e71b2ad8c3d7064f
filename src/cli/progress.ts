/** A one-line progress display on a terminal (stderr), and nothing elsewhere. */

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

function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

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

/** files, bytes, rate and ETA, as restic shows them. */
export function backupProgressText(p: { files: number; bytes: number; filesSeen: number; bytesSeen: number; walkDone: boolean }, elapsedMs: number): string {
  const rate = p.bytes / Math.max(elapsedMs / 1000, 0.001);
  const total = p.walkDone ? ` of ${p.filesSeen} files, ${formatBytes(p.bytesSeen)}` : ` (scanning: ${p.filesSeen} files, ${formatBytes(p.bytesSeen)} found)`;
  const eta = p.walkDone && rate > 0 ? `, ETA ${formatSeconds((p.bytesSeen - p.bytes) / rate)}` : '';
  return `[${formatSeconds(elapsedMs / 1000)}] ${p.files} files, ${formatBytes(p.bytes)}${total}, ${formatBytes(rate)}/s${eta}`;
}

export function etcdProgressText(p: { member: string; bytes: number; expected: number }, elapsedMs: number): string {
  const rate = p.bytes / Math.max(elapsedMs / 1000, 0.001);
  const eta = rate > 0 && p.expected > p.bytes ? `, ETA ${formatSeconds((p.expected - p.bytes) / rate)}` : '';
  return `[${formatSeconds(elapsedMs / 1000)}] etcd snapshot from ${p.member}: ${formatBytes(p.bytes)} of ${formatBytes(p.expected)}, ${formatBytes(rate)}/s${eta}`;
}

export function volumeRestoreProgressText(p: { claim: string; bytes: number; total: number }, elapsedMs: number): string {
  const rate = p.bytes / Math.max(elapsedMs / 1000, 0.001);
  const eta = rate > 0 && p.total > p.bytes ? `, ETA ${formatSeconds((p.total - p.bytes) / rate)}` : '';
  return `[${formatSeconds(elapsedMs / 1000)}] restoring ${p.claim}: ${formatBytes(p.bytes)} of ${formatBytes(p.total)}, ${formatBytes(rate)}/s${eta}`;
}

export function objectsProgressText(p: { typesTotal: number; typesDone: number; objects: number; skipped: number }, elapsedMs: number): string {
  const rate = p.objects / Math.max(elapsedMs / 1000, 0.001);
  return `[${formatSeconds(elapsedMs / 1000)}] API objects: ${p.typesDone} of ${p.typesTotal} types listed, ${p.objects} objects (${p.skipped} skipped), ${rate.toFixed(0)} objects/s`;
}
