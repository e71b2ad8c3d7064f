/** Messages between the main thread and an unsealing worker. */

export type ToUnsealer =
  | { readonly type: 'init'; readonly key: Uint8Array }
  | { readonly type: 'unseal'; readonly seq: number; readonly id: string; readonly stored: Uint8Array; readonly compressed: boolean };

export type FromUnsealer =
  | { readonly seq: number; readonly plaintext: Uint8Array }
  | { readonly seq: number; readonly damaged: string };
