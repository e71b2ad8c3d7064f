/** `strata serve`: run the plans on their schedules, with /metrics, /healthz and a JSON API. */
import { readFileSync } from 'node:fs';
import { readSecretText, readSecretValue } from '../../sources/secret-file.ts';
import type { DashboardAuth } from '../../web/auth.ts';
import { createDashboard } from '../../web/dashboard.ts';
import { hostname } from 'node:os';
import { Command } from 'commander';
import { Duration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { Serve } from '../../engine/serve/daemon.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printError } from '../output.ts';
import { repeated } from '../option-values.ts';

interface ServeFlags {
  readonly plan: string[];
  readonly listen: string;
  readonly host?: string;
  readonly hostRoot: string;
  readonly node?: string;
  readonly lease?: string;
  readonly identity: string;
  readonly leaseDuration: string;
  readonly history?: string;
  readonly retries: string;
  readonly retryBackoff: string;
  readonly dashboardTokenFile?: string;
  readonly proxyGroupsHeader?: string;
  readonly proxyUserHeader?: string;
  readonly operatorGroup: string[];
  readonly viewerGroup: string[];
  readonly tlsCert?: string;
  readonly tlsKey?: string;
}

/** Who may read the dashboard and act on it, from the flags (docs/dashboard.md). */
function dashboardAuth(flags: ServeFlags): DashboardAuth {
  const token = flags.dashboardTokenFile === undefined ? undefined : readSecretValue(flags.dashboardTokenFile, '--dashboard-token-file', printError).trim();
  if (token !== undefined && token.length < 16) throw new UsageError(`--dashboard-token-file ${flags.dashboardTokenFile}: the token is ${token.length} characters; use at least 16`, { hint: 'e.g. head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE' });
  const groups = flags.operatorGroup.length > 0 || flags.viewerGroup.length > 0;
  if (groups && flags.proxyGroupsHeader === undefined) throw new UsageError('--operator-group and --viewer-group need --proxy-groups-header: the header the authenticating proxy sets');
  if (flags.proxyGroupsHeader !== undefined && !groups) throw new UsageError('--proxy-groups-header needs --operator-group or --viewer-group');
  return {
    ...(token !== undefined && { token }),
    ...(flags.proxyGroupsHeader !== undefined && {
      proxy: { groupsHeader: flags.proxyGroupsHeader, ...(flags.proxyUserHeader !== undefined && { userHeader: flags.proxyUserHeader }), operators: flags.operatorGroup, viewers: flags.viewerGroup },
    }),
  };
}

function tlsFiles(flags: ServeFlags): { cert: Buffer; key: Buffer } | undefined {
  if (flags.tlsCert === undefined && flags.tlsKey === undefined) return undefined;
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) throw new UsageError('--tls-cert and --tls-key go together');
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new UsageError(`${flag} ${file}: ${(error as Error).message}`);
    }
  };
  return { cert: read('--tls-cert', flags.tlsCert), key: Buffer.from(readSecretText(flags.tlsKey, '--tls-key', printError)) };
}

function duration(flag: string, value: string): number {
  const parsed = Duration.parse(value);
  if (parsed === undefined || parsed.milliseconds <= 0) throw new UsageError(`${flag} ${value}: expected a duration such as 15s or 1m`);
  return parsed.milliseconds;
}

function listenAddress(value: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 0 && port < 65536)) throw new UsageError(`--listen ${value}: expected HOST:PORT such as 127.0.0.1:9464 or 0.0.0.0:9464`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', port };
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the plans of strata.yaml on their schedules, and their drills on drill.schedule; /metrics, /healthz, /api/runs, /api/snapshots, /api/status, /api/drills')
    .option('--plan <name>', 'only this plan (repeatable; default: every plan with a schedule)', repeated, [])
    .option('--listen <host:port>', 'HTTP address', '127.0.0.1:9464')
    .option('--host <name>', 'host name recorded in snapshots; give a stable one when replicas come and go (default: this host)')
    .option('--host-root <dir>', "where the node's root file system is, for files sources and volumes read as files", '/')
    .option('--node <name>', 'this node\'s name: volumes sources read as files only what is on it (the per-node agent DaemonSet)')
    .option('--lease <namespace/name>', 'elect one leader among replicas through this coordination.k8s.io Lease (--kubeconfig or in-cluster)')
    .option('--identity <id>', 'this replica in the Lease (default: host name and PID)', `${hostname()}-${process.pid}`)
    .option('--lease-duration <duration>', 'how long a leader that stopped renewing keeps the Lease', '15s')
    .option('--history <file>', 'append each run as a JSON line here, and read it back at start')
    .option('--retries <n>', 'retries of a failed run (doubling backoff, never past the next fire time)', '3')
    .option('--retry-backoff <duration>', 'wait before the first retry', '1m')
    .option('--dashboard-token-file <file>', "the operator token (at least 16 characters): with it, the dashboard's actions (run now, drill now, hold, release) are open to whoever logs in with it or sends Authorization: Bearer")
    .option('--proxy-groups-header <name>', 'behind an authenticating proxy: the header that carries the user\'s groups (e.g. X-Forwarded-Groups); believed as sent, so only for a serve nothing but the proxy reaches')
    .option('--proxy-user-header <name>', 'with --proxy-groups-header: the header naming the user, recorded on holds and in the log (e.g. X-Forwarded-User)')
    .option('--operator-group <group>', 'with --proxy-groups-header: members may act (repeatable)', repeated, [])
    .option('--viewer-group <group>', 'with --proxy-groups-header: members may read; without any, reading is open (repeatable)', repeated, [])
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'the certificate\'s private key (PEM, mode 0600)')
    .addHelpText('after', `
Each plan with a schedule: fires at its cron times in its time zone, plus a random delay up
to its jitter. A run is \`strata run PLAN\`: hooks, backup, retention (forget and prune),
replication. A plan never overlaps itself: fire times that pass during a long run are
skipped and logged. Runs that share a repository go one at a time.

Each plan with drill.schedule: is drilled at its cron times as \`strata drill PLAN\` does:
drills of one cluster go one at a time, after the runs queued on their repository, and a
drill waits (retried with the backoff) while a restore holds the repository. A failed
drill is a finding, kept in its report and on /metrics, and not retried.

With --lease, replicas campaign for the Lease (renewed every third of --lease-duration);
only the holder runs schedules. When it dies, another takes over after --lease-duration.
A replica stopped with SIGTERM gives the Lease up at once.

The dashboard (GET /): every plan's state and why, the GFS calendar, snapshots, drills,
growth and runs (docs/dashboard.md). Reading is open on the --listen address (127.0.0.1 by
default) unless --viewer-group limits it behind a proxy. Actions — run now, drill now, hold
and release a snapshot — need --dashboard-token-file (log in with the token, or send
Authorization: Bearer TOKEN) or an --operator-group behind the proxy; forms carry a CSRF
token and cross-site requests are refused. --tls-cert and --tls-key serve HTTPS.

Endpoints (GET):
  /metrics        Prometheus: per plan last success, last duration, runs by result, bytes
                  added, RPO, last good snapshot age, RPO compliance; per plan and source
                  last success; per repository size, snapshots, dedup ratio; leader;
                  per plan with drills: RTO target, last drill's RTO, success time,
                  passed, failed checks, compliance, and each layer's ready time
  /healthz        200 with leader, lease holder and next fire times
  /api/runs       run history, newest first (?plan=NAME, ?limit=N)
  /api/snapshots  snapshots of the plans' repositories (?plan=NAME)
  /api/status     each plan against its RPO and RTO, as \`strata status --json\`
  /api/drills     drill reports, oldest first (?plan=NAME), as \`strata drills --json\`

Examples:
  strata serve --config /etc/strata/strata.yaml --listen 0.0.0.0:9464 --history /var/lib/strata/runs.jsonl
  strata serve --lease strata/strata-serve --host prod-cluster --listen 0.0.0.0:9464
  strata serve --dashboard-token-file /etc/strata/dashboard-token --tls-cert /etc/strata/tls.crt --tls-key /etc/strata/tls.key --listen 0.0.0.0:9443
${EXIT_STATUS_HELP}`)
    .action(async (flags: ServeFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { config } = loadConfig(global);
      const listen = listenAddress(flags.listen);
      const auth = dashboardAuth(flags);
      const tls = tlsFiles(flags);
      const retries = Number(flags.retries);
      if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries ${flags.retries}: expected a whole number`);
      let lease;
      if (flags.lease !== undefined) {
        const [namespace, name, extra] = flags.lease.split('/');
        if (!namespace || !name || extra !== undefined) throw new UsageError(`--lease ${flags.lease}: expected NAMESPACE/NAME`);
        const durationMs = duration('--lease-duration', flags.leaseDuration);
        lease = { http: new KubeHttp(await connect(global)), namespace, name, identity: flags.identity, durationMs, renewMs: Math.max(500, Math.floor(durationMs / 3)) };
      }
      const serve = new Serve({
        config,
        plans: flags.plan,
        listenHost: listen.host,
        listenPort: listen.port,
        host: flags.host ?? hostname(),
        hostRoot: flags.hostRoot,
        ...(flags.node !== undefined && { node: flags.node }),
        ...(lease && { lease }),
        ...(flags.history !== undefined && { historyFile: flags.history }),
        retries,
        retryBackoffMs: duration('--retry-backoff', flags.retryBackoff),
        log: (message) => printError(`${new Date().toISOString()} ${message}`),
        pages: createDashboard(auth),
        ...(tls !== undefined && { tls }),
      });
      await serve.start();
      // serve stops gracefully itself (runs interrupted, lease given up) instead of the CLI's
      // immediate exit on a signal.
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          printError(`${new Date().toISOString()} ${signal}: stopping (running runs are interrupted; the lease is given up)`);
          resolve();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      await serve.stop();
      lease?.http.close();
    });
}
