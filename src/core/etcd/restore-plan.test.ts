import { describe, expect, it } from 'vitest';
import { clientUrlOf, renderRestorePlan, restorePlan, type RestorePlanInputs } from './restore-plan.ts';

const inputs: RestorePlanInputs = {
  snapshotId: '4f2a9c1e0b7d33aa55cc',
  snapshotTime: '2026-11-20T02:00:00Z',
  revision: 123_456,
  totalKeys: 4_200,
  clusterId: 'cdf818194e3a8c32',
  members: [
    { name: 'cp-1', peerUrl: 'https://10.0.0.1:2380' },
    { name: 'cp-2', peerUrl: 'https://10.0.0.2:2380' },
    { name: 'cp-3', peerUrl: 'https://10.0.0.3:2380' },
  ],
  token: 'strata-restore-abc',
  bumpRevision: 1_000_000_000,
  dataDir: '/var/lib/etcd',
  layout: 'kubeadm',
  repository: '/var/backups/strata',
};

describe('restorePlan', () => {
  const plan = restorePlan(inputs);
  const text = renderRestorePlan(plan);

  it('restores every member from the same snapshot with one token and one bump', () => {
    const restores = plan.steps.filter((s) => s.title.startsWith('Restore member'));
    expect(restores.map((s) => s.where)).toEqual(['cp-1', 'cp-2', 'cp-3']);
    for (const step of restores) {
      expect(step.commands[0]).toContain('--initial-cluster cp-1=https://10.0.0.1:2380,cp-2=https://10.0.0.2:2380,cp-3=https://10.0.0.3:2380');
      expect(step.commands[0]).toContain('--initial-cluster-token strata-restore-abc');
      expect(step.commands[0]).toContain('--bump-revision 1000000000');
    }
    expect(restores[1]!.commands[0]).toContain('--initial-advertise-peer-urls https://10.0.0.2:2380');
  });

  it('stops API servers before etcd is touched and starts them after etcd is checked', () => {
    const titles = plan.steps.map((s) => s.title);
    const index = (prefix: string) => titles.findIndex((t) => t.startsWith(prefix));
    // First of all, while nothing is stopped yet: the snapshot is proven readable.
    expect(index('Prove the snapshot readable')).toBe(0);
    expect(plan.steps[0]!.commands).toEqual(['strata etcd verify 4f2a9c1e0b7d --repo /var/backups/strata']);
    expect(index('Stop the control plane')).toBe(1);
    expect(index('Restore member')).toBeGreaterThan(index('Stop the control plane'));
    expect(index('Check etcd')).toBeGreaterThan(index('Start etcd'));
    expect(index('Start the API servers')).toBeGreaterThan(index('Check etcd'));
    expect(index('Restart the controller manager')).toBeGreaterThan(index('Start the API servers'));
    expect(plan.steps[1]!.commands).toContain('mv /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/manifests.stopped/');
  });

  it('never uses --force-new-cluster and checks with every client endpoint', () => {
    expect(text).not.toContain('force-new-cluster');
    expect(text).toContain('strata etcd status --etcd-endpoints https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379');
    expect(text).toContain(`above ${123_456 + 1_000_000_000}`);
  });

  it('uses systemd units for the systemd layout, and gives the restored directories to the etcd user', () => {
    const systemd = renderRestorePlan(restorePlan({ ...inputs, layout: 'systemd', walDir: '/var/lib/etcd-wal', etcdUser: 'kube-etcd' }));
    expect(systemd).toContain('systemctl stop etcd');
    expect(systemd).not.toContain('manifests.stopped');
    expect(systemd).toContain('--data-dir /var/lib/etcd --wal-dir /var/lib/etcd-wal');
    expect(systemd).toContain('chown -R kube-etcd:kube-etcd /var/lib/etcd /var/lib/etcd-wal');
    expect(renderRestorePlan(restorePlan(inputs))).not.toContain('chown');
  });

  it('opens with the reasons of a dirty snapshot', () => {
    expect(restorePlan({ ...inputs, dirtyReasons: ['member cp-2 unreachable'] }).summary).toMatch(/^DIRTY SNAPSHOT \(taken with --force\): member cp-2 unreachable\. Restore etcd/);
    expect(plan.summary).toMatch(/^Restore etcd/);
  });

  it('derives client URLs from peer URLs', () => {
    expect(clientUrlOf('https://10.0.0.9:2380')).toBe('https://10.0.0.9:2379');
    expect(clientUrlOf('http://[fd00::1]:2380')).toBe('http://[fd00::1]:2379');
  });
});
