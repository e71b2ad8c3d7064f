/**
 * The registry source's directory in a snapshot is an OCI image layout (image-layout.md of
 * the OCI image spec): `oci-layout`, `index.json` naming every backed-up tag as
 * `REPOSITORY:TAG` in `org.opencontainers.image.ref.name`, and every manifest and blob once
 * under `blobs/ALGORITHM/HEX`. `strata restore --target` therefore gives a layout that any
 * OCI tool reads (skopeo copy oci:DIR/registry:team/web:1.0 …), without Strata.
 *
 * Nodes carry no time, so a blob's node — and the trees above it — are the same bytes in
 * every snapshot that holds it: an unchanged registry adds only its small trees.
 */
import { digestParts } from '../../core/registry/protocol.ts';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { Id } from '../../repository/hash.ts';
import { directoryNode } from '../../repository/item-nodes.ts';
import type { Repository } from '../../repository/repository.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import type { TreeNode } from '../../repository/tree.ts';
import type { RegistryRecord } from './record.ts';

export const REF_NAME = 'org.opencontainers.image.ref.name';

/** A stored manifest or blob: its file node under blobs/ALGORITHM/. */
export function blobNode(digest: string, size: number, content: readonly Id[]): TreeNode {
  return { name: digestParts(digest).hex, type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: '0', size, content: [...content] };
}

const fileNode = (name: string, content: Id, size: number): TreeNode => ({ name, type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: '0', size, content: [content] });

/** index.json: one descriptor per tag, sorted, so an unchanged registry writes the same bytes. */
export function layoutIndex(record: Pick<RegistryRecord, 'repositories'>, sizes: ReadonlyMap<string, number>): Buffer {
  const manifests = record.repositories.flatMap((r) => r.tags.map((t) => ({
    mediaType: t.mediaType, digest: t.digest, size: sizes.get(t.digest) ?? 0, annotations: { [REF_NAME]: `${r.name}:${t.tag}` },
  })));
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }, null, 1));
}

/** Writes the layout's trees; returns the source's directory node. */
export async function saveLayout(writer: BlobWriter, name: string, blobs: ReadonlyMap<string, TreeNode>, index: Buffer): Promise<TreeNode> {
  const byAlgorithm = new Map<string, TreeNode[]>();
  for (const [digest, node] of blobs) {
    const { algorithm } = digestParts(digest);
    byAlgorithm.set(algorithm, [...(byAlgorithm.get(algorithm) ?? []), node]);
  }
  const algorithms: TreeNode[] = [];
  for (const [algorithm, nodes] of byAlgorithm) algorithms.push(directoryNode(algorithm, await writer.saveTree(nodes)));
  const layout = Buffer.from('{"imageLayoutVersion":"1.0.0"}');
  return directoryNode(name, await writer.saveTree([
    fileNode('oci-layout', await writer.saveData(layout), layout.length),
    fileNode('index.json', await writer.saveData(index), index.length),
    directoryNode('blobs', await writer.saveTree(algorithms)),
  ]));
}

/** Every manifest and blob a snapshot's layout holds, by digest (none when it has no such source). */
export async function storedBlobs(repository: Repository, root: Id, name: string): Promise<Map<string, TreeNode>> {
  const found = new Map<string, TreeNode>();
  const tree = await sourceTree(repository, root, name);
  if (tree === undefined) return found;
  const blobs = (await repository.loadTree(tree)).nodes.find((n) => n.name === 'blobs' && n.type === 'dir');
  if (blobs?.subtree === undefined) return found;
  for (const algorithm of (await repository.loadTree(blobs.subtree)).nodes) {
    if (algorithm.type !== 'dir' || algorithm.subtree === undefined) continue;
    for (const node of (await repository.loadTree(algorithm.subtree)).nodes) if (node.type === 'file') found.set(`${algorithm.name}:${node.name}`, node);
  }
  return found;
}
