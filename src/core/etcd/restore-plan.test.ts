import { describe, expect, it } from 'vitest';
import { memberClientUrls, renderRestorePlan, restorePlan, type RestorePlanInputs } from './restore-plan.ts';

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
  repository: 's3://backups/cp',
  recorded: [1, 2, 3].map((n) => ({ name: `cp-${n}`, peerUrls: [`https://10.0.0.${n}:2380`], clientUrls: [`https://10.0.0.${n}:2379`] })),
  clientUrls: new Map([1, 2, 3].map((n) => [`cp-${n}`, `https://10.0.0.${n}:2379`])),
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
    expect(plan.steps[0]!.commands).toEqual(['strata etcd verify 4f2a9c1e0b7d --repo s3://backups/cp']);
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

  it('takes client URLs from the snapshot record or from flags, never from a guess', () => {
    const moved = [{ name: 'cp-1', peerUrl: 'https://10.0.0.1:2380' }, { name: 'cp-4', peerUrl: 'https://10.0.0.4:2380' }];
    expect(memberClientUrls(moved, inputs.recorded, new Map())).toEqual({ urls: new Map([['cp-1', 'https://10.0.0.1:2379']]), missing: ['cp-4'] });
    const sameHost = [1, 2, 3].map((n) => ({ name: `cp-${n}`, peerUrl: `https://127.0.0.1:${2380 + n * 10}` }));
    const given = new Map(sameHost.map((m, i) => [m.name, `https://127.0.0.1:${2379 + i * 10}`]));
    expect(memberClientUrls(sameHost, inputs.recorded, given).urls.get('cp-2')).toBe('https://127.0.0.1:2389');
  });

  it('writes a section for new machines and addresses: certificates, etcd flags, the API servers\' --etcd-servers', () => {
    const members = [{ name: 'cp-1', peerUrl: 'https://10.0.0.1:2380' }, { name: 'cp-4', peerUrl: 'https://10.9.0.4:2380' }];
    const clientUrls = new Map([['cp-1', 'https://10.0.0.1:2379'], ['cp-4', 'https://10.9.0.4:2379']]);
    const text = renderRestorePlan(restorePlan({ ...inputs, members, clientUrls }));
    expect(text).toContain('Prepare the new machines or addresses');
    expect(text).toContain('# cp-4: etcd serving certificate SANs: 10.9.0.4; peer certificate SANs: 10.9.0.4');
    expect(text).toContain('# every kube-apiserver: --etcd-servers=https://10.0.0.1:2379,https://10.9.0.4:2379');
    expect(text).toContain('strata etcd status --etcd-endpoints https://10.0.0.1:2379,https://10.9.0.4:2379');
    expect(renderRestorePlan(plan)).not.toContain('Prepare the new machines');
  });

  it('tells each member how to reach the repository and the password, with the etcdutl fallback for a local path', () => {
    expect(text).toContain('STRATA_PASSWORD_FILE=/root/.strata-pass');
    expect(text).toContain('reaches s3://backups/cp itself');
    const local = renderRestorePlan(restorePlan({ ...inputs, repository: '/var/backups/strata' }));
    expect(local).toContain('/var/backups/strata is a path on the machine that printed this plan');
    expect(local).toContain('`strata etcd export 4f2a9c1e0b7d /root/etcd.db --repo /var/backups/strata`');
    expect(local).toMatch(/etcdutl snapshot restore \/root\/etcd\.db --name cp-2 --initial-cluster \S+ --initial-advertise-peer-urls https:\/\/10\.0\.0\.2:2380 --initial-cluster-token strata-restore-abc --bump-revision 1000000000 --mark-compacted --data-dir \/var\/lib\/etcd/);
  });

  it('uses the TLS files given, and no guessed ones for systemd', () => {
    expect(renderRestorePlan(restorePlan({ ...inputs, layout: 'systemd' }))).toContain('--etcd-cacert CA_FILE --etcd-cert CLIENT_CERT --etcd-key CLIENT_KEY');
    expect(renderRestorePlan(restorePlan({ ...inputs, layout: 'systemd', tls: { ca: '/etc/ssl/etcd/ca.pem', cert: '/etc/ssl/etcd/admin.pem', key: '/etc/ssl/etcd/admin-key.pem' } }))).toContain('--etcd-cacert /etc/ssl/etcd/ca.pem --etcd-cert /etc/ssl/etcd/admin.pem --etcd-key /etc/ssl/etcd/admin-key.pem');
  });
});
