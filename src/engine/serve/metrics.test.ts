import { describe, expect, it } from 'vitest';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import type { RunRecord } from '../plan/run.ts';
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

describe('serve metrics for history', () => {
  it('tells an export from a failed push, and counts what is not pushed', async () => {
    const metrics = new ServeMetrics();
    const run = (finishedAt: string, history: RunRecord['history']): RunRecord => ({
      id: finishedAt, plan: 'nightly', trigger: 'schedule', attempt: 1, startedAt: finishedAt, finishedAt, durationMs: 1, result: 'partially-failed',
      bytes: 0, bytesAdded: 0, forgotten: 0, prunedBytes: 0, replicated: [], hooks: [], warnings: [], ...(history !== undefined && { history }),
    });
    const base = { path: '/h', changed: true, added: 0, removed: 0, changedObjects: 1 };
    metrics.recordRun(run('2026-12-05T01:00:00Z', { ...base, commit: 'c1', pushed: false, unpushed: 2, pushError: 'refused' }), ['objects']);
    metrics.recordRun(run('2026-12-05T02:00:00Z', { ...base, changed: false, error: 'git failed' }), ['objects']);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`strata_history_last_export_timestamp_seconds{plan="nightly"} ${Date.parse('2026-12-05T01:00:00Z') / 1000}`);
    expect(text).toContain('strata_history_unpushed_commits{plan="nightly"} 2');
    expect(text).toContain('strata_history_failures_total{plan="nightly"} 2');
  });
});
