import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandEnvironment, parseEnvFile } from './environment.ts';

describe('command environment', () => {
  it('reads KEY=VALUE lines, quotes and export, skipping blanks and comments', () => {
    expect(parseEnvFile('# comment\n\nA=1\nexport B="two words"\nC=\'x=y\'\n', 'f')).toEqual({ A: '1', B: 'two words', C: 'x=y' });
    expect(() => parseEnvFile('A=1\nnot a variable\n', '/etc/x.env')).toThrow('/etc/x.env, line 2: expected KEY=VALUE');
  });

  it('puts one-value files in, drops Strata\'s own password, and names shared secret files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-env-'));
    writeFileSync(join(dir, 'pass'), 'secret\n', { mode: 0o600 });
    writeFileSync(join(dir, 'shared.env'), 'USER=admin\n', { mode: 0o640 });
    process.env['STRATA_PASSWORD'] = 'repository-password';
    try {
      const { env, warnings } = commandEnvironment({ type: 'command', name: 'x', command: ['true'], timeout: '1m', env: { MODE: 'full' }, envFiles: [join(dir, 'shared.env')], envFromFiles: { PASS: join(dir, 'pass') } }, (key) => `plans.p.sources[0].${key}`);
      expect(env).toMatchObject({ MODE: 'full', USER: 'admin', PASS: 'secret' });
      expect(env['STRATA_PASSWORD']).toBeUndefined();
      expect(warnings).toEqual([`plans.p.sources[0].envFiles[0]: ${join(dir, 'shared.env')} is readable by its group (mode 0640): chmod 600 ${join(dir, 'shared.env')}`]);
      expect(() => commandEnvironment({ type: 'command', name: 'x', command: ['true'], timeout: '1m', envFromFiles: { P: join(dir, 'missing') } }, (key) => key)).toThrow(`envFromFiles.P: ${join(dir, 'missing')}: no such file`);
    } finally {
      delete process.env['STRATA_PASSWORD'];
    }
  });
});
