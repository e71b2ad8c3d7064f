/** Messages between the main thread and a sealing worker. */
import type { ChunkerParameters } from '../chunker.ts';

export interface FileJob {
  /** A Uint8Array where the name is not valid UTF-8 (structured cloning turns a Buffer into one). */
  readonly path: string | Uint8Array;
}

export interface FileResult {
  readonly content: readonly string[];
  readonly size: number;
  readonly error?: string;
}

export interface PieceBlock {
  readonly bytes: Uint8Array;
  /** Length of each piece; the last may be shorter. */
  readonly piece: number;
}

export interface SealedBlobRef {
  readonly id: string;
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
  readonly compressed: boolean;
}

export type ToWorker =
  | { readonly type: 'init'; readonly key: Uint8Array; readonly chunker: ChunkerParameters }
  | { readonly type: 'task'; readonly files: readonly FileJob[] }
  /**
   * Blocks not cut by the chunker: each is sealed in fixed pieces of its `piece` length
   * (an image block is one piece; a run of database pages is many).
   */
  | { readonly type: 'blocks'; readonly blocks: readonly PieceBlock[] }
  | { readonly type: 'need'; readonly need: readonly boolean[] }
  /** The blobs are in the writer; their buffer comes back for the next round. */
  | { readonly type: 'ack'; readonly buffer: ArrayBuffer };

export type FromWorker =
  | { readonly type: 'query'; readonly ids: readonly string[] }
  | { readonly type: 'blobs'; readonly buffer: ArrayBuffer; readonly blobs: readonly SealedBlobRef[] }
  /** `blocks`: the memory of the blocks sealed, handed back for the next ones. */
  | { readonly type: 'done'; readonly files: readonly FileResult[]; readonly blocks?: readonly ArrayBuffer[] }
  | { readonly type: 'fatal'; readonly message: string };
