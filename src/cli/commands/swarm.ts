/** `strata swarm status` (managers, workers, raft quorum, autolock) and `strata swarm restore` (a manager's raft copy put back). */
import { Command } from 'commander';
import { OperationError } from '../../core/errors.ts';
import { DockerEngine } from '../../docker/http.ts';
import { swarmStatus, type SwarmNodeStatus, type SwarmStatus } from '../../sources/swarm/status.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { runRestore } from '../restore-run.ts';
import { addDockerOptions, addRaftRestoreOptions, dockerEndpoint, raftRestoreSelection, type DockerFlags, type RaftRestoreFlags } from '../swarm-options.ts';
import { withRepository } from '../with-repository.ts';

export function swarmCommand(): Command {
  const swarm = new Command('swarm').description('Docker Swarm: managers, quorum and autolock; guided raft restore');

  addDockerOptions(swarm.command('status'))
    .description('show the managers (leader, raft reachability), the workers, the quorum (N managers, N/2+1 needed) and autolock')
    .addHelpText('after', `
Asks one manager's Docker Engine (--docker-host, or DOCKER_HOST). A worker or a locked
manager cannot answer: the error says so. Exits 0 when every manager is Ready and
reachable, 1 otherwise (the report is printed first).

Examples:
  strata swarm status
  strata swarm status --docker-host tcp://10.0.0.11:2376 --docker-tlscacert ca.pem \\
      --docker-tlscert cert.pem --docker-tlskey key.pem --json
${EXIT_STATUS_HELP}`)
    .action(async (options: DockerFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const engine = new DockerEngine(dockerEndpoint(options));
      try {
        const status = await swarmStatus(engine);
        if (global.json) printJson(status);
        else printStatus(status);
        if (!status.ok) {
          const q = status.quorum;
          throw new OperationError(q.reachable >= q.needed ? `swarm is degraded: ${q.reachable} of ${q.managers} managers reachable` : `swarm has lost quorum: ${q.reachable} of ${q.managers} managers reachable, ${q.needed} needed`, { hint: 'see the managers above' });
        }
      } finally {
        engine.close();
      }
    });

  addRaftRestoreOptions(swarm.command('restore'))
    .description('put a manager\'s raft copy back and make it a new swarm of one manager (--force-new-cluster), its services and settings kept')
    .argument('<id>', 'snapshot ID, a unique prefix, or "latest" (one with a raft copy: raft:cold or raft:hot)')
    .option('--dry-run', 'print every step and change nothing', false)
    .addHelpText('after', `
Run it on the manager being rebuilt, at the address the copy was taken at (the copy keeps
that address; elsewhere it refuses, exit 4, unless --other-address). It refuses an engine
that is an active swarm member now, unless --replace-active-swarm. Steps: stop the engine
(--engine-stop); move DATA_ROOT/swarm aside to swarm.before-restore-<time>, never deleted;
write the copy; under autolock open its node key with the stored unlock key; start the
engine (--engine-start; started again whatever fails, the old directory put back); then
docker swarm init --force-new-cluster with the swarm's own settings; wait until this node
leads and check the snapshot's objects are there. The steps left to do by hand (old
managers rejoin, join tokens and unlock key rotated) are printed. See
docs/runbooks/swarm-restore.md. For the objects alone, into any swarm: strata restore --swarm.

Examples:
  strata swarm restore latest --repo /var/backups/strata --dry-run
  strata swarm restore 4f2a9c1e --repo /var/backups/strata --listen-addr 10.0.0.12:2377
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, options: RaftRestoreFlags & { dryRun: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const selection = raftRestoreSelection(options);
      try {
        await withRepository(global, async (repository) => runRestore(repository, await findSnapshot(repository, ref), [selection], global, options.dryRun));
      } finally {
        selection.close();
      }
    });

  return swarm;
}

function printStatus(status: SwarmStatus): void {
  const q = status.quorum;
  printLine(`swarm ${status.swarmId} through ${status.engine}`);
  printLine(`quorum: ${q.reachable} of ${q.managers} managers reachable, ${q.needed} needed: ${q.hasQuorum ? 'ok' : 'LOST'}; autolock ${status.autolock ? 'on' : 'off'}`);
  const row = (n: SwarmNodeStatus) => `  ${n.hostname.padEnd(20)} ${n.id.slice(0, 12)}${n.id === status.self ? '*' : ' '} ${n.address.padEnd(22)} ${n.state.padEnd(8)} ${n.availability.padEnd(7)} ${(n.raft ?? '').padEnd(11)} ${Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(',')}`;
  printLine(`managers (${status.managers.length}):`);
  for (const n of status.managers) printLine(row(n));
  printLine(`workers (${status.workers.length}):`);
  for (const n of status.workers) printLine(row(n));
}
