/** Messages between a restore and its small-file writer (small-file-worker.ts). */

/** One file to make: its bytes are `length` bytes at `offset` of the batch's buffer. */
export interface SmallFileJob {
  /** A Uint8Array where the name is not valid UTF-8 (structured cloning turns a Buffer into one). */
  readonly path: string | Uint8Array;
  readonly offset: number;
  readonly length: number;
  /** The mode open() creates it with. */
  readonly openMode: number;
  /** Owner to set after the content, when the file is not already its owner's. */
  readonly owner?: { readonly uid: number; readonly gid: number };
  /** Mode to set after the owner, when open() could not give it. */
  readonly mode?: number;
  readonly mtimeNs: string;
}

export interface SmallFileBatch {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly jobs: readonly SmallFileJob[];
}

/** Per job: the content failed (error; nothing usable is there) or only its metadata did (warning). */
export interface SmallFileResult {
  readonly error?: string;
  readonly warning?: string;
}

export interface SmallFileDone {
  readonly id: number;
  readonly results: readonly SmallFileResult[];
}
