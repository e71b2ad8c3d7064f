/** Messages between the main thread and a sealing worker. */
import type { ChunkerParameters } from '../chunker.ts';

export interface FileJob {
  readonly path: string;
}

export interface FileResult {
  readonly content: readonly string[];
  readonly size: number;
  readonly error?: string;
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
  /** Whole blocks (fixed-size image blocks), one blob each, not cut by the chunker. */
  | { readonly type: 'blocks'; readonly blocks: readonly Uint8Array[] }
  | { readonly type: 'need'; readonly need: readonly boolean[] }
  /** The blobs are in the writer; their buffer comes back for the next round. */
  | { readonly type: 'ack'; readonly buffer: ArrayBuffer };

export type FromWorker =
  | { readonly type: 'query'; readonly ids: readonly string[] }
  | { readonly type: 'blobs'; readonly buffer: ArrayBuffer; readonly blobs: readonly SealedBlobRef[] }
  /** `blocks`: the memory of the blocks sealed, handed back for the next ones. */
  | { readonly type: 'done'; readonly files: readonly FileResult[]; readonly blocks?: readonly ArrayBuffer[] }
  | { readonly type: 'fatal'; readonly message: string };
