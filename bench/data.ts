/**
 * The benchmark's data set: a mixed tree like a control-plane host's /etc plus some
 * volume dumps. Many small files (configs, manifests, keys), a few large ones (half
 * random, half log-like text), so deduplication, compression and per-file cost all count.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DataSetSize {
  readonly smallFiles: number;
  readonly largeFiles: number;
  readonly largeBytes: number;
}

function textBlock(seed: number, size: number): Buffer {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = `2026-11-24T10:${String(i % 60).padStart(2, '0')}:00Z level=info component=kubelet pod=app-${(seed * 7919 + i) % 5000} msg="sync ${randomBytes(6).toString('hex')}"\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

export function generate(root: string, size: DataSetSize): void {
  mkdirSync(root, { recursive: true });
  const dirs: string[] = [];
  for (let d = 0; d < Math.ceil(size.smallFiles / 100); d++) {
    const dir = join(root, `ns-${d % 50}`, `app-${d}`);
    mkdirSync(dir, { recursive: true });
    dirs.push(dir);
  }
  for (let i = 0; i < size.smallFiles; i++) {
    const bytes = 512 + ((i * 2654435761) % 12_000);
    const data = i % 4 === 0 ? randomBytes(bytes) : textBlock(i, bytes);
    writeFileSync(join(dirs[i % dirs.length]!, `object-${i}.${i % 4 === 0 ? 'key' : 'yaml'}`), data);
  }
  for (let f = 0; f < size.largeFiles; f++) {
    const fd = openSync(join(root, `volume-${f}.img`), 'w');
    const piece = 4 * 1024 * 1024;
    for (let at = 0; at < size.largeBytes; at += piece) {
      const n = Math.min(piece, size.largeBytes - at);
      writeSync(fd, (at / piece) % 2 === 0 ? randomBytes(n) : textBlock(at, n));
    }
    closeSync(fd);
  }
}

/** Changes about `fraction` of the data: rewrites small files and overwrites regions of large ones. */
export function modify(root: string, size: DataSetSize, fraction: number): void {
  const all = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.startsWith('object-'));
  const step = Math.max(1, Math.round(1 / fraction));
  all.forEach((entry, i) => {
    if (i % step === 0) writeFileSync(join(entry.parentPath, entry.name), textBlock(i + 1_000_000, 4096));
  });
  for (let f = 0; f < size.largeFiles; f++) {
    const fd = openSync(join(root, `volume-${f}.img`), 'r+');
    const region = Math.floor(size.largeBytes * fraction);
    writeSync(fd, randomBytes(region), 0, region, Math.floor(size.largeBytes / 3));
    closeSync(fd);
  }
}
