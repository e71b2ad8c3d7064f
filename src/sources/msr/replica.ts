/**
 * The MSR replica on this node: MSR names its containers after the replica's ID
 * (dtr-rethinkdb-<id>, as MSR's backup documentation finds it with `docker ps -f
 * name=dtr-rethink`). A node without one hosts no replica, and its run skips MSR.
 */
import type { DockerEngine } from '../../docker/http.ts';

const RETHINK = /^\/?dtr-rethinkdb-([0-9a-f]{12})$/;

export async function localReplica(engine: DockerEngine): Promise<string | undefined> {
  const running = await engine.json<{ Names?: string[] }[]>('/containers/json', { query: { filters: JSON.stringify({ name: ['dtr-rethinkdb-'] }) } });
  for (const container of running) {
    for (const name of container.Names ?? []) {
      const id = RETHINK.exec(name)?.[1];
      if (id !== undefined) return id;
    }
  }
  return undefined;
}
