/** `strata swarm status`: a Docker Swarm's managers, workers, raft quorum and autolock. */
import { Command } from 'commander';
import { OperationError } from '../../core/errors.ts';
import { DockerEngine } from '../../docker/http.ts';
import { swarmStatus, type SwarmNodeStatus, type SwarmStatus } from '../../sources/swarm/status.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { addDockerOptions, dockerEndpoint, type DockerFlags } from '../swarm-options.ts';

export function swarmCommand(): Command {
  const swarm = new Command('swarm').description('Docker Swarm: managers, quorum and autolock');

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
