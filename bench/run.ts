/**
 * `npm run bench [-- SUITE...]`: each suite compares Strata with what operators run today on
 * the same data in one run and prints the ratios; the run ends with one table of every ratio
 * and whether its target was met. Suites: repository (vs restic and borg, cp -a as the
 * floor), etcd (vs seeds 002/003's save + zstd + copy, etcdctl as the floor), objects (vs
 * kubectl and tar czf; then 300,000 objects against the targets), volumes (vs seed 001's rbd
 * snapshot + export-diff | gzip, bare rbd as the floor), registry (vs regctl image copy).
 * BENCH_SCALE=0.1 runs a tenth of each data set, for a quick look; BENCH_KEEP=1 keeps the
 * scratch folders. The CLI is compiled first (as `npm run build`) and the suites run the
 * build, as it ships.
 */
import { runEtcdBench } from './etcd.ts';
import { buildStrata, printSummary } from './measure.ts';
import { runObjectsBench } from './objects.ts';
import { runRegistryBench } from './registry.ts';
import { runRepositoryBench } from './repository.ts';
import { runVolumesBench } from './volumes.ts';

const suites: Record<string, (scale: number) => void | Promise<void>> = { repository: runRepositoryBench, etcd: runEtcdBench, objects: runObjectsBench, volumes: runVolumesBench, registry: runRegistryBench };
const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const chosen = process.argv.slice(2);
for (const name of chosen) if (!(name in suites)) throw new Error(`unknown suite ${name}; have: ${Object.keys(suites).join(', ')}`);
buildStrata();
for (const [name, run] of Object.entries(suites)) {
  if (chosen.length > 0 && !chosen.includes(name)) continue;
  console.log(`== ${name}`);
  await run(scale);
}
printSummary();
