/**
 * An unsealing worker: decrypts, decompresses and verifies blobs handed to it, so that a
 * restore's main thread only reads packs and writes files while another core opens blobs.
 */
import { parentPort } from 'node:worker_threads';
import { BlobDamaged, unsealBlob } from '../blob.ts';
import type { FromUnsealer, ToUnsealer } from './protocol.ts';

const port = parentPort!;
let key: Uint8Array | undefined;

port.on('message', (message: ToUnsealer) => {
  if (message.type === 'init') {
    key = message.key;
    return;
  }
  let reply: FromUnsealer;
  try {
    const plaintext = unsealBlob(key!, message.id, message.stored, message.compressed);
    reply = { seq: message.seq, plaintext };
    // Hand the memory over when the plaintext owns all of it; a slice of shared memory is copied.
    const owns = plaintext.byteOffset === 0 && plaintext.byteLength === plaintext.buffer.byteLength;
    port.postMessage(reply, owns ? [plaintext.buffer as ArrayBuffer] : []);
    return;
  } catch (error) {
    if (!(error instanceof BlobDamaged)) throw error;
    reply = { seq: message.seq, damaged: error.message };
  }
  port.postMessage(reply);
});
