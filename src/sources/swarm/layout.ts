/**
 * Where a swarm sits in a snapshot's tree: swarm/swarm.json (the swarm's spec, join tokens
 * left out), swarm/KIND/NAME.json for networks, configs, secrets (metadata) and services,
 * swarm/nodes/ID.json, swarm/unlock-key when autolock was on, and swarm/raft/ (a manager's
 * DATA_ROOT/swarm) unless the mode was export. Each object is its own
 * blob, so an unchanged object costs nothing.
 */
export const SWARM_DIR = 'swarm';
export const SWARM_FILE = 'swarm.json';
export const UNLOCK_KEY_FILE = 'unlock-key';
export const RAFT_DIR = 'raft';

/** A file name for an object name: Docker names are [a-zA-Z0-9][a-zA-Z0-9_.-]*, node IDs alphanumeric. */
export function fileNameOf(name: string): string {
  return `${encodeURIComponent(name)}.json`;
}

export function nameOfFile(fileName: string): string | undefined {
  return fileName.endsWith('.json') ? decodeURIComponent(fileName.slice(0, -'.json'.length)) : undefined;
}
