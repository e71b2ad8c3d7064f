/**
 * MKE's archive under its passphrase: OpenPGP symmetric encryption ("PGP-compatible", as
 * `mirantis/ucp backup --passphrase` writes it and `gpg --decrypt` reads it). Strata
 * encrypts what the CLI way's `--no-passphrase` run prints (so the passphrase is in no
 * argument list), decrypts to verify a stored archive, and to feed `mirantis/ucp restore`.
 * Streams throughout: an archive is never whole in memory.
 */
import * as openpgp from 'openpgp';

const toWeb = (bytes: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> => ReadableStream.from(bytes) as ReadableStream<Uint8Array>;

/** The archive as MKE's --passphrase leaves it: AES-256, an integrity-protected packet (RFC 4880, what gpg and MKE read). */
export async function* encrypt(bytes: AsyncIterable<Uint8Array>, passphrase: string): AsyncGenerator<Uint8Array> {
  const message = await openpgp.createMessage({ binary: toWeb(bytes), format: 'binary' });
  const out = await openpgp.encrypt({
    message, passwords: [passphrase], format: 'binary',
    config: { preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256, aeadProtect: false, preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed },
  });
  yield* out as unknown as AsyncIterable<Uint8Array>;
}

/**
 * The archive's plaintext. Its integrity tag is checked when the stream ends (an error then):
 * a reader must read to the end before it trusts what it read.
 */
export async function* decrypt(bytes: AsyncIterable<Uint8Array>, passphrase: string): AsyncGenerator<Uint8Array> {
  let message: openpgp.Message<ReadableStream<Uint8Array>>;
  try {
    message = await openpgp.readMessage({ binaryMessage: toWeb(bytes) });
  } catch (error) {
    throw new Error(`not an OpenPGP message (${(error as Error).message})`, { cause: error });
  }
  const { data } = await openpgp.decrypt({ message, passwords: [passphrase], format: 'binary', config: { allowUnauthenticatedStream: true } });
  yield* data as unknown as AsyncIterable<Uint8Array>;
}
