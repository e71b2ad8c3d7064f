/** The repository config object: format version, identity, chunker parameters. */
import { randomBytes } from 'node:crypto';
import { DEFAULT_CHUNK_SIZES, type ChunkerParameters } from './chunker.ts';

export const FORMAT_VERSION = 1;

export interface RepositoryConfig {
  readonly version: number;
  readonly id: string;
  readonly created: string;
  readonly chunker: ChunkerParameters;
  /** Target size of a pack file in bytes. */
  readonly packSize: number;
}

export function newRepositoryConfig(overrides: { packSize?: number; chunker?: Partial<ChunkerParameters> } = {}): RepositoryConfig {
  return {
    version: FORMAT_VERSION,
    id: randomBytes(32).toString('hex'),
    created: new Date().toISOString(),
    chunker: { algorithm: 'fastcdc-gear32-v1', ...DEFAULT_CHUNK_SIZES, gearSeed: randomBytes(32).toString('hex'), ...overrides.chunker },
    packSize: overrides.packSize ?? 16 * 1024 * 1024,
  };
}
