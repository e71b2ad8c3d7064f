import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { backendConformance } from '../../test/helpers/backend-conformance.ts';
import { LocalBackend } from './local.ts';
import { openBackend } from './open.ts';

const root = mkdtempSync(join(tmpdir(), 'strata-local-'));
backendConformance('local', () => new LocalBackend(join(root, 'repo')));
backendConformance('local behind retry and limit wrappers', () => openBackend(join(root, 'wrapped')));

it('keeps objects readable by their owner only', async () => {
  const backend = new LocalBackend(join(root, 'modes'));
  await backend.save('data/aa/secret', Buffer.from('x'));
  expect(statSync(join(root, 'modes', 'data', 'aa', 'secret')).mode & 0o777).toBe(0o600);
  expect(statSync(join(root, 'modes', 'data', 'aa')).mode & 0o777).toBe(0o700);
});
