/** Installs Debian packages the test bed needs when their program is missing. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function ensureProgram(paths: readonly string[], packages: readonly string[]): string {
  const found = paths.find((path) => existsSync(path));
  if (found !== undefined) return found;
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const installed = paths.find((path) => existsSync(path));
  if (installed === undefined) throw new Error(`installed ${packages.join(' ')} but none of ${paths.join(', ')} exists`);
  return installed;
}
