import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function findVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      return (require(path) as { version: string }).version;
    } catch {
      // Source tree and dist/ sit at different depths below package.json.
    }
  }
  return '0.0.0';
}

export const VERSION = findVersion();
