/**
 * The runbook for restoring a multi-member etcd from one snapshot, the supported way: every
 * member gets a fresh data directory from the same snapshot (`etcdutl snapshot restore`,
 * one token, one bump), instead of seed 002's `--force-new-cluster` on one member followed
 * by re-adding the others, which keeps the old cluster's identity and raft state around.
 * Pure: it only writes text and commands.
 */

export interface PlanMember {
  readonly name: string;
  readonly peerUrl: string;
}

export interface RestorePlanInputs {
  readonly snapshotId: string;
  readonly snapshotTime: string;
  readonly revision: number;
  readonly totalKeys: number;
  readonly clusterId: string;
  readonly members: readonly PlanMember[];
  readonly token: string;
  readonly bumpRevision: number;
  readonly dataDir: string;
  /** A separate WAL directory, where etcd keeps one. */
  readonly walDir?: string;
  /** systemd layout: the user etcd runs as, who must own the restored directories. */
  readonly etcdUser?: string;
  /** Why the snapshot is dirty (taken with --force), when it is: the plan opens with it. */
  readonly dirtyReasons?: readonly string[];
  /** How etcd and the control plane run: kubeadm static pods, or systemd units (Kubespray, external etcd). */
  readonly layout: 'kubeadm' | 'systemd';
  /** The repository as the operator names it on the command line (--repo value). */
  readonly repository: string;
}

export interface PlanStep {
  readonly title: string;
  /** Where to run the commands: "every control-plane node", a member's name, or "any machine with strata". */
  readonly where: string;
  readonly commands: readonly string[];
  readonly notes: readonly string[];
}

export interface RestorePlan {
  readonly summary: string;
  readonly initialCluster: string;
  readonly steps: readonly PlanStep[];
}

const CONTROL_PLANE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/** The client URL of a member: its peer URL's host on etcd's client port. */
export function clientUrlOf(peerUrl: string): string {
  const url = new URL(peerUrl);
  return `${url.protocol}//${url.hostname}:2379`;
}

export function restorePlan(p: RestorePlanInputs): RestorePlan {
  const initialCluster = p.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const endpoints = p.members.map((m) => clientUrlOf(m.peerUrl)).join(',');
  const kubeadm = p.layout === 'kubeadm';
  const tls = kubeadm
    ? ' --etcd-cacert /etc/kubernetes/pki/etcd/ca.crt --etcd-cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --etcd-key /etc/kubernetes/pki/etcd/healthcheck-client.key'
    : ' --etcd-cacert /etc/ssl/etcd/ssl/ca.pem --etcd-cert /etc/ssl/etcd/ssl/admin-$(hostname).pem --etcd-key /etc/ssl/etcd/ssl/admin-$(hostname)-key.pem';
  const stopped = '/etc/kubernetes/manifests.stopped';
  const moveOut = (names: readonly string[]) => names.map((n) => `mv /etc/kubernetes/manifests/${n}.yaml ${stopped}/`);
  const moveIn = (names: readonly string[]) => names.map((n) => `mv ${stopped}/${n}.yaml /etc/kubernetes/manifests/`);
  const steps: PlanStep[] = [];

  steps.push({
    title: 'Prove the snapshot readable, before anything is stopped',
    where: 'any machine with strata and the repository',
    commands: [`strata etcd verify ${p.snapshotId.slice(0, 12)} --repo ${p.repository}`],
    notes: [
      'It reads the whole database back from the repository and checks it against etcd\'s own SHA-256 trailer and the recorded digest. This plan was printed only because that passed; run it again on the day, and go on only when it says the snapshot checks out.',
    ],
  });

  steps.push({
    title: 'Stop the control plane and etcd',
    where: 'every control-plane node',
    commands: kubeadm
      ? [
          `mkdir -p ${stopped}`,
          ...moveOut([...CONTROL_PLANE, 'etcd']),
          "timeout 120 sh -c 'while crictl ps -q --name \"^(kube-apiserver|kube-controller-manager|kube-scheduler|etcd)$\" | grep -q .; do sleep 2; done'",
          'systemctl stop kubelet',
        ]
      : ['systemctl stop kube-apiserver kube-controller-manager kube-scheduler', 'systemctl stop etcd', 'systemctl stop kubelet'],
    notes: [
      'Every API server must be down before any etcd member is touched: an API server still writing to a surviving member would make the restored cluster diverge.',
      'Worker kubelets may keep running; their pods keep running while the API is away.',
    ],
  });

  const owner = p.etcdUser ?? 'etcd';
  const directories = [p.dataDir, ...(p.walDir === undefined ? [] : [p.walDir])];
  for (const member of p.members) {
    steps.push({
      title: `Restore member ${member.name}`,
      where: member.name,
      commands: [
        `strata etcd restore ${p.snapshotId.slice(0, 12)} --repo ${p.repository} --name ${member.name} \\\n    --initial-cluster ${initialCluster} \\\n    --initial-advertise-peer-urls ${member.peerUrl} \\\n    --initial-cluster-token ${p.token} --bump-revision ${p.bumpRevision} \\\n    --data-dir ${p.dataDir}${p.walDir === undefined ? '' : ` --wal-dir ${p.walDir}`}`,
        // A systemd etcd runs as its own user; kubeadm's static pod runs as root.
        ...(kubeadm ? [] : [`chown -R ${owner}:${owner} ${directories.join(' ')}`]),
      ],
      notes: [`The old ${directories.join(' and ')} ${directories.length > 1 ? 'are' : 'is'} moved to …before-restore-<time>, never deleted. Remove ${directories.length > 1 ? 'them' : 'it'} once the cluster is verified.`],
    });
  }

  steps.push({
    title: 'Start etcd on every member',
    where: 'every control-plane node, within a minute of each other',
    commands: kubeadm
      ? [
          'systemctl start kubelet',
          ...moveIn(['etcd']),
        ]
      : ['systemctl start etcd'],
    notes: [
      'Each member waits for the others; the cluster has a leader once a majority is up.',
      "The data directories already carry the new membership, so etcd's own --initial-cluster settings are not consulted again; its --name must equal the name given to strata etcd restore.",
    ],
  });

  steps.push({
    title: 'Check etcd before anything uses it',
    where: 'any machine with strata',
    commands: [`strata etcd status --etcd-endpoints ${endpoints}${tls}`],
    notes: [
      `Expect every member healthy, one leader, HashKV agreeing, and a revision above ${p.revision + p.bumpRevision} (the snapshot's ${p.revision} plus the bump).`,
      'Do not go on while a member is missing or the hashes disagree.',
    ],
  });

  steps.push({
    title: 'Start the API servers',
    where: 'every control-plane node',
    commands: kubeadm ? moveIn(['kube-apiserver']) : ['systemctl start kube-apiserver'],
    notes: ['Wait until `kubectl get --raw /readyz` answers ok on each.'],
  });

  steps.push({
    title: 'Restart the controller manager and the scheduler',
    where: 'every control-plane node',
    commands: kubeadm ? moveIn(['kube-controller-manager', 'kube-scheduler']) : ['systemctl start kube-controller-manager kube-scheduler'],
    notes: [
      'They start after the API servers so their caches fill from the restored state; with the revision bumped and compacted, every watcher relists instead of trusting what it had.',
    ],
  });

  steps.push({
    title: 'Restart kubelets and verify',
    where: 'every node',
    commands: [
      'systemctl restart kubelet',
      'kubectl get nodes',
      'kubectl get pods -A --field-selector=status.phase!=Running,status.phase!=Succeeded',
    ],
    notes: [
      'Objects created after the snapshot are gone; their pods are stopped by kubelets once they relist.',
      `Compare with the API objects backed up at about the same time: strata diff --against live.`,
    ],
  });

  const dirty = p.dirtyReasons !== undefined && p.dirtyReasons.length > 0 ? `DIRTY SNAPSHOT (taken with --force): ${p.dirtyReasons.join('; ')}. ` : '';
  return {
    summary: `${dirty}Restore etcd from snapshot ${p.snapshotId.slice(0, 12)} (${p.snapshotTime}): revision ${p.revision}, ${p.totalKeys} keys, from cluster ${p.clusterId}; ${p.members.length} members, token ${p.token}, revision bumped by ${p.bumpRevision}.`,
    initialCluster,
    steps,
  };
}

export function renderRestorePlan(plan: RestorePlan): string {
  const lines = [plan.summary, ''];
  plan.steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.title}  [${step.where}]`);
    for (const command of step.commands) lines.push(...command.split('\n').map((l) => `     ${l}`));
    for (const note of step.notes) lines.push(`   - ${note}`);
    lines.push('');
  });
  return lines.join('\n');
}
