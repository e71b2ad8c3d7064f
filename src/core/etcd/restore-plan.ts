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

/** A member as the snapshot's record saw it at backup time. */
export interface RecordedMember {
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
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
  /** The members at backup time (from the snapshot's record). */
  readonly recorded: readonly RecordedMember[];
  /** Client URL of each new member, by name: given, or the recorded one of a member that kept its name and peer URL. */
  readonly clientUrls: ReadonlyMap<string, string>;
  /** TLS files for `strata etcd status`, as given; kubeadm's fixed paths by default, never a guess for systemd. */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
}

/**
 * Each new member's client URL: from --client-urls, else the recorded one of the member of
 * the same name and peer URL. Members that are new (another name or address) without a
 * given URL are returned as missing: a client URL is never guessed.
 */
export function memberClientUrls(members: readonly PlanMember[], recorded: readonly RecordedMember[], given: ReadonlyMap<string, string>): { urls: Map<string, string>; missing: string[] } {
  const urls = new Map<string, string>();
  const missing: string[] = [];
  for (const member of members) {
    const known = recorded.find((r) => r.name === member.name && r.peerUrls.includes(member.peerUrl));
    const url = given.get(member.name) ?? known?.clientUrls[0];
    if (url === undefined) missing.push(member.name);
    else urls.set(member.name, url);
  }
  return { urls, missing };
}

/** Whether the members differ from the snapshot's: other names, or other peer URLs. */
function movedMembers(members: readonly PlanMember[], recorded: readonly RecordedMember[]): PlanMember[] {
  return members.filter((m) => !recorded.some((r) => r.name === m.name && r.peerUrls.includes(m.peerUrl)));
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

export function restorePlan(p: RestorePlanInputs): RestorePlan {
  const initialCluster = p.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const endpoints = p.members.map((m) => p.clientUrls.get(m.name)!).join(',');
  const kubeadm = p.layout === 'kubeadm';
  const files = p.tls ?? (kubeadm ? { ca: '/etc/kubernetes/pki/etcd/ca.crt', cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt', key: '/etc/kubernetes/pki/etcd/healthcheck-client.key' } : undefined);
  const secure = endpoints.split(',').some((e) => e.startsWith('https:'));
  const tls = !secure ? '' : files === undefined ? ' --etcd-cacert CA_FILE --etcd-cert CLIENT_CERT --etcd-key CLIENT_KEY' : ` --etcd-cacert ${files.ca} --etcd-cert ${files.cert} --etcd-key ${files.key}`;
  const moved = movedMembers(p.members, p.recorded);
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(p.repository);
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

  if (moved.length > 0) {
    steps.push({
      title: 'Prepare the new machines or addresses',
      where: 'before the outage window, on the machines named',
      commands: [
        ...moved.map((m) => `# ${m.name}: etcd serving certificate SANs: ${new URL(p.clientUrls.get(m.name)!).hostname}; peer certificate SANs: ${new URL(m.peerUrl).hostname}`),
        ...p.members.map((m) => `# ${m.name}: etcd --name ${m.name} --initial-advertise-peer-urls ${m.peerUrl} --listen-peer-urls ${m.peerUrl} --advertise-client-urls ${p.clientUrls.get(m.name)!} --listen-client-urls ${p.clientUrls.get(m.name)!}`),
        `# every kube-apiserver: --etcd-servers=${endpoints}`,
      ],
      notes: [
        `The snapshot was taken from ${p.recorded.map((r) => `${r.name}=${r.peerUrls.join('|')}`).join(', ')}; ${moved.map((m) => m.name).join(', ')} ${moved.length === 1 ? 'is' : 'are'} new or moved. Issue certificates with the new addresses as SANs (kubeadm: \`kubeadm init phase certs etcd-server\` and \`etcd-peer\` with the new addresses in its config) before starting, and give every API server the new --etcd-servers.`,
        'The restored data directories carry the new membership: etcd\'s own --initial-cluster flags are not read again, but its listen and advertise URLs must be these.',
      ],
    });
  }

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
      notes: [
        `The old ${directories.join(' and ')} ${directories.length > 1 ? 'are' : 'is'} moved to …before-restore-<time>, never deleted. Remove ${directories.length > 1 ? 'them' : 'it'} once the cluster is verified.`,
        `Needs strata and etcdutl on ${member.name}, and the repository password from a 0600 file: STRATA_PASSWORD_FILE=/root/.strata-pass or --password-file (never the password itself on a command line).`,
        local
          ? `${p.repository} is a path on the machine that printed this plan. On ${member.name}, mount the same storage there, or without strata: on that machine \`strata etcd export ${p.snapshotId.slice(0, 12)} /root/etcd.db --repo ${p.repository}\`, copy /root/etcd.db here, and run \`etcdutl snapshot restore /root/etcd.db --name ${member.name} --initial-cluster ${initialCluster} --initial-advertise-peer-urls ${member.peerUrl} --initial-cluster-token ${p.token} --bump-revision ${p.bumpRevision} --mark-compacted --data-dir ${p.dataDir}${p.walDir === undefined ? '' : ` --wal-dir ${p.walDir}`}\` (move the old data directory aside first).`
          : `${member.name} reaches ${p.repository} itself: give it the same storage credentials as the backup host (strata.yaml's repository entry, or the S3/SFTP environment).`,
      ],
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
