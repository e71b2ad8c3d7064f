/** Kubeconfig files for the test bed's users and components, with certificates embedded by path. */
import { writeFileSync } from 'node:fs';

export function writeKubeconfig(path: string, server: string, ca: string, cert: string, key: string, user = 'admin'): void {
  const text = `apiVersion: v1
kind: Config
clusters:
- name: testbed
  cluster:
    server: ${server}
    certificate-authority: ${ca}
users:
- name: ${user}
  user:
    client-certificate: ${cert}
    client-key: ${key}
contexts:
- name: testbed
  context:
    cluster: testbed
    user: ${user}
current-context: testbed
`;
  writeFileSync(path, text, { mode: 0o600 });
}
