import { describe, expect, it } from 'vitest';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { ServeMetrics } from './metrics.ts';

function snapshot(id: string, host: string, time: string, result: StoredSnapshot['result'] = 'completed'): StoredSnapshot {
  return {
    id, version: 2, time, host, username: 'root', tags: [], paths: [], parent: null, tree: 'a'.repeat(64), sources: [],
    summary: { files: 1, dirs: 0, bytes: 1, newBytes: 1, durationMs: 2_000 }, result, warnings: [], origin: null, plan: 'swarm',
  };
}

describe('serve metrics per host', () => {
  it('gives each host of a plan its newest completed snapshot', async () => {
    const metrics = new ServeMetrics();
    metrics.recordSnapshots('main', [
      snapshot('1', 'manager-2', '2026-12-05T06:00:00Z'),
      snapshot('2', 'manager-3', '2026-12-05T07:00:00Z'),
      snapshot('3', 'manager-2', '2026-12-05T08:00:00Z'),
      snapshot('4', 'manager-3', '2026-12-05T09:00:00Z', 'partially-failed'),
    ], () => ['swarm']);
    const text = await metrics.registry.metrics();
    const at = (iso: string) => (Date.parse(iso) + 2_000) / 1000;
    expect(text).toContain(`strata_plan_host_last_snapshot_timestamp_seconds{plan="swarm",host="manager-2"} ${at('2026-12-05T08:00:00Z')}`);
    expect(text).toContain(`strata_plan_host_last_snapshot_timestamp_seconds{plan="swarm",host="manager-3"} ${at('2026-12-05T07:00:00Z')}`);
  });
});
