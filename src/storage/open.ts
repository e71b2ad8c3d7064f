/** Chooses the backend for a repository URL. */
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import type { Backend } from './backend.ts';
import { LocalBackend } from './local.ts';

export function openBackend(url: string): Backend {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return new LocalBackend(resolve(url.replace(/^file:\/\//, '')));
  throw new UsageError(`repository ${url}: the ${scheme}:// backend is not available in this build`, {
    hint: 'use a local path (an NFS mount is a local path)',
  });
}
