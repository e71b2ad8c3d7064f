import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '../core/errors.ts';
import { parseConfig as parseWith } from '../core/config/load.ts';
import { configSchema } from './registry.ts';

// strata.yaml as the CLI reads it: the schema the registry assembles from every source's entry.
const parseConfig = (text: string, fileName: string) => parseWith(text, fileName, configSchema);

const valid = `
repositories:
  main:
    url: /var/backups/strata
    passwordFile: /etc/strata/password
clusters:
  prod:
    kubeconfig: /etc/kubernetes/admin.conf
    etcd:
      endpoints: [https://10.0.0.1:2379]
      tls: { caFile: /etc/kubernetes/pki/etcd/ca.crt }
plans:
  nightly:
    cluster: prod
    repository: main
    sources:
      - type: etcd
      - type: objects
        excludeNamespaces: [kube-system]
    schedule: { cron: "0 1 * * *", timeZone: Europe/Rome }
    retention:
      daily: 7
      weekly: 4
      monthly: 3
`;

function problemsOf(text: string): string {
  try {
    parseConfig(text, 'strata.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.usage);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('parseConfig', () => {
  it('accepts a complete configuration and fills defaults', () => {
    const config = parseConfig(valid, 'strata.yaml');
    expect(config.plans['nightly']?.retention?.daily).toBe(7);
    expect(config.plans['nightly']?.retention?.timeZone).toBe('UTC');
    expect(config.plans['nightly']?.sources[1]).toMatchObject({ type: 'objects', clusterScoped: true });
    expect(config.clusters['prod']?.etcd?.dialTimeout).toBe('5s');
  });

  it('fills a drill\'s defaults and refuses a check that is none or two things, naming it', () => {
    const drilled = `${valid}    rto: 1h\n    drill:\n      schedule: { cron: "0 3 1 * *" }\n      checks:\n        - { name: web, http: { service: shop/web, port: 80 } }\n`;
    const drill = parseConfig(drilled, 'strata.yaml').plans['nightly']?.drill;
    expect(drill).toMatchObject({ suffix: '-restore', timeout: '10m', nonProduction: false, etcd: { sampleKeys: 100 }, checks: [{ name: 'web', timeout: '1m', http: { path: '/', status: 200, scheme: 'http' } }] });
    expect(problemsOf(drilled.replace('http: { service: shop/web, port: 80 }', 'command: { command: ["true"] }, exec: { namespace: shop, pod: db, command: ["true"] }'))).toContain('plans.nightly.drill.checks[0]: expected exactly one of http:, exec: or command:');
    expect(problemsOf(drilled.replace('service: shop/web', 'service: web'))).toContain('plans.nightly.drill.checks[0].http.service: expected a Service as NAMESPACE/NAME');
    expect(problemsOf(drilled.replace('      checks:', '      suffix: restore\n      checks:'))).toContain('plans.nightly.drill.suffix: expected a suffix such as -restore');
  });

  it('names the file, line and path of a wrong type, with the value found', () => {
    const text = valid.replace('daily: 7', 'daily: seven');
    const line = text.split('\n').findIndex((l) => l.includes('daily: seven')) + 1;
    expect(problemsOf(text)).toBe(`strata.yaml:${line} plans.nightly.retention.daily: expected a whole number, got "seven"`);
  });

  it('reports a misspelt field as unknown, on its line', () => {
    const text = valid.replace('    retention:', '    retension:');
    const line = text.split('\n').findIndex((l) => l.includes('retension')) + 1;
    expect(problemsOf(text)).toContain(`strata.yaml:${line} plans.nightly.retension: unknown field "retension"`);
  });

  it('points a missing required field at its parent', () => {
    const text = valid.replace('    url: /var/backups/strata\n', '');
    const line = text.split('\n').findIndex((l) => l.trim() === 'main:') + 1;
    expect(problemsOf(text)).toContain(`strata.yaml:${line} repositories.main.url:`);
    expect(problemsOf(text)).toContain('but it is missing');
  });

  it('reports every problem at once, and cross references between sections', () => {
    const text = valid.replace('repository: main', 'repository: offsite').replace('weekly: 4', 'weekly: -1');
    const message = problemsOf(text);
    expect(message).toContain('plans.nightly.repository: names repository "offsite"');
    expect(message).toContain('plans.nightly.retention.weekly: expected a whole number ≥ 0, got -1');
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('plans:\n  nightly: [unclosed\n')).toMatch(/^strata\.yaml:\d+: YAML syntax: /);
  });

  it('rejects unknown source types by naming the valid ones', () => {
    const text = valid.replace('- type: etcd', '- type: etcdd');
    expect(problemsOf(text)).toContain('plans.nightly.sources[0].type: expected a source with type command, etcd, files');
  });

  it('treats an empty file as an empty configuration', () => {
    expect(parseConfig('', 'strata.yaml').plans).toEqual({});
  });
});
