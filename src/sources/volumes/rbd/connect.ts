/** The rbd runner a plan's volumes entry asks for. */
import { Duration } from '../../../core/duration.ts';
import type { KubeHttp } from '../../../kube/http.ts';
import type { VolumesEntry } from '../entry.ts';
import { LocalRbd, type RbdRunner } from './runner.ts';
import { ToolboxRbd } from './toolbox.ts';

/** rbd with the entry's Ceph settings: in the Rook toolbox when `ceph.toolbox` is set, else on this machine. */
export async function rbdFor(ceph: VolumesEntry['ceph'], http: () => Promise<KubeHttp>): Promise<RbdRunner> {
  const connection = {
    ...(ceph?.confFile !== undefined && { confFile: ceph.confFile }),
    ...(ceph?.keyringFile !== undefined && { keyringFile: ceph.keyringFile }),
    ...(ceph?.id !== undefined && { id: ceph.id }),
    ...(ceph?.timeout !== undefined && { timeoutMs: Duration.parse(ceph.timeout)!.milliseconds }),
  };
  const toolbox = ceph?.toolbox;
  return toolbox === undefined ? new LocalRbd(connection) : new ToolboxRbd(await http(), toolbox, connection);
}

