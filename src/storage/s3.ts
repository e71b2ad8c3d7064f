/**
 * Any S3-compatible object store (AWS SDK v3). A PUT is atomic, so `save` needs no temporary
 * object; MinIO and most on-premises stores want path-style addressing.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Backend, ObjectInfo } from './backend.ts';

export interface S3Options {
  readonly bucket: string;
  /** Key prefix without a trailing slash; empty for the bucket root. */
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

const PERMANENT = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidBucketName', 'InvalidRange']);

export class S3Backend implements Backend {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3Options) {
    this.bucket = options.bucket;
    this.prefix = options.prefix === '' ? '' : `${options.prefix.replace(/\/+$/, '')}/`;
    this.location = `s3://${options.bucket}/${options.prefix}`.replace(/\/$/, '');
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      // Our RetryingBackend owns retries, with the repository's classification of errors.
      maxAttempts: 1,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  }

  async save(key: string, data: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: data, ContentLength: data.length }));
  }

  async load(key: string, offset = 0, length?: number): Promise<Uint8Array> {
    const range = offset === 0 && length === undefined ? undefined : `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    if (length === 0) return new Uint8Array(0);
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, ...(range === undefined ? {} : { Range: range }) }));
    const body = await response.Body?.transformToByteArray();
    if (body === undefined) throw new Error(`${key}: empty response body`);
    if (length !== undefined && body.length !== length) throw new Error(`${key}: short read (${body.length} of ${length} bytes at ${offset})`);
    return body;
  }

  async stat(key: string): Promise<ObjectInfo> {
    const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    return { key, size: response.ContentLength ?? 0 };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0 };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }

  isNotFound(error: unknown): boolean {
    if (!(error instanceof S3ServiceException)) return false;
    return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404 && error.name !== 'NoSuchBucket';
  }

  isPermanent(error: unknown): boolean {
    if (!(error instanceof S3ServiceException)) return false;
    const status = error.$metadata.httpStatusCode ?? 0;
    return PERMANENT.has(error.name) || (status >= 400 && status < 500 && status !== 408 && status !== 429);
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}
