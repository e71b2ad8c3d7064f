/** A one-line progress display on a terminal (stderr), and nothing elsewhere. */

import { formatBytes } from '../core/format.ts';

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
