import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../core/format.ts';
import { restoreProgressText } from './restore-progress.ts';

describe('progress texts', () => {
  it('shows a volume restore with bytes, rate and ETA', () => {
    const MiB = 1024 * 1024;
    expect(restoreProgressText({ claim: 'shop/data-db-0', bytes: 256 * MiB, total: 1024 * MiB }, 2_000)).toBe('[2s] restoring shop/data-db-0: 256.0 MiB of 1.0 GiB, 128.0 MiB/s, ETA 6s');
    expect(restoreProgressText({ claim: 'shop/x', bytes: 0, total: 10 }, 0)).toBe('[0s] restoring shop/x: 0 B of 10 B, 0 B/s');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
