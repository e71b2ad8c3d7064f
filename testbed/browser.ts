/**
 * A real browser for the dashboard tests: Debian's chromium (installed by apt when missing),
 * driven by playwright-core, which downloads no browser of its own.
 */
import { chromium, type Browser } from 'playwright-core';
import { ensureProgram } from './apt.ts';

export async function launchBrowser(): Promise<Browser> {
  const executablePath = ensureProgram(['/usr/bin/chromium'], ['chromium']);
  // Tests run as root in a container: chromium's sandbox needs user namespaces it may not have.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: 60_000 });
}
