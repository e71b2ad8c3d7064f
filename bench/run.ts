/**
 * `npm run bench [-- SUITE...]`: each suite compares Strata with the real alternative on
 * the same data in one run and prints the ratios. Suites: repository (vs restic), etcd
 * (vs etcdctl), objects (vs kubectl), volumes (vs rbd export / export-diff), registry (vs
 * regctl image copy). BENCH_SCALE=0.1 runs a tenth of each data set, for a quick look;
 * BENCH_KEEP=1 keeps the scratch folders. The CLI is compiled first (as `npm run build`) and the
 * suites run the build, as it ships.
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
