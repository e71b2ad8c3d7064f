/** Holes are made at file-system block granularity: 4 KiB blocks of zeros are skipped. */
const BLOCK = 4096;
const ZEROS = Buffer.alloc(BLOCK);

/** The runs of `data` that hold something other than zero blocks: [start, end) pairs. */
export function dataRuns(data: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  let runStart = -1;
  for (let at = 0; at < data.length; at += BLOCK) {
    const end = Math.min(at + BLOCK, data.length);
    const zero = ZEROS.compare(data, at, end, 0, end - at) === 0;
    if (!zero && runStart < 0) runStart = at;
    if (zero && runStart >= 0) {
      runs.push([runStart, at]);
      runStart = -1;
    }
  }
  if (runStart >= 0) runs.push([runStart, data.length]);
  return runs;
}
