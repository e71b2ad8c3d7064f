/**
 * Stores one stream of unknown length (an etcd snapshot, a command's output) as a file's
 * content: cut with the repository's chunker, each new chunk sealed and added to the blob
 * writer. Holds at most about two maximum-size chunks of the stream at a time.
 */
import { sealBlob } from './blob.ts';
import type { BlobWriter } from './blob-writer.ts';
import { Chunker } from './chunker.ts';
import { sha256, type Id } from './hash.ts';
import type { Repository } from './repository.ts';

export class StreamWriter {
  private readonly repository: Repository;
  private readonly writer: BlobWriter;
  private readonly chunker: Chunker;
  private pieces: Uint8Array[] = [];
  private buffered = 0;
  private readonly content: Id[] = [];
  private size = 0;

  constructor(repository: Repository, writer: BlobWriter) {
    this.repository = repository;
    this.writer = writer;
    this.chunker = new Chunker(repository.config.chunker);
  }

  async push(bytes: Uint8Array): Promise<void> {
    this.pieces.push(bytes);
    this.buffered += bytes.length;
    this.size += bytes.length;
    // Cut only with a full maximum chunk in hand, so every boundary is the one the whole
    // stream would give.
    if (this.buffered >= 2 * this.chunker.maxSize) await this.cut(false);
  }

  /** The content IDs and length of everything pushed. */
  async finish(): Promise<{ content: Id[]; size: number }> {
    await this.cut(true);
    return { content: this.content, size: this.size };
  }

  private async cut(final: boolean): Promise<void> {
    const data = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
    let start = 0;
    while (start < data.length) {
      if (!final && data.length - start < this.chunker.maxSize) break;
      const length = this.chunker.cut(data, start, data.length, final);
      if (length <= 0) break;
      const chunk = data.subarray(start, start + length);
      const id = sha256(chunk);
      this.content.push(id);
      if (!this.writer.known(id)) await this.writer.add('data', sealBlob(this.repository.masterKey, chunk, id));
      start += length;
    }
    const rest = data.subarray(start);
    this.pieces = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
  }
}
