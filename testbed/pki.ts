/**
 * The test bed's PKI, made with openssl: one CA signs every serving and client certificate,
 * as kubeadm's layout does. Keys are EC P-256 (fast to make); the service-account key is RSA
 * because kube-apiserver's token signer expects RSA or EC and RSA is the common case.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificatePaths {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly dir: string;
  readonly ca: CertificatePaths;
  readonly serviceAccount: { readonly key: string; readonly pub: string };
  /** Issues a certificate signed by the CA. */
  issue(name: string, subject: { cn: string; o?: readonly string[] }, usage: 'server' | 'client' | 'both', sans?: readonly string[]): CertificatePaths;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createPki(dir: string): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.cert, '-days', '30', '-subj', '/CN=strata-testbed-ca']);
  const serviceAccount = { key: join(dir, 'sa.key'), pub: join(dir, 'sa.pub') };
  openssl(['genrsa', '-out', serviceAccount.key, '2048']);
  openssl(['rsa', '-in', serviceAccount.key, '-pubout', '-out', serviceAccount.pub]);

  return { dir, ca, serviceAccount, issue: issuer(dir, ca) };
}

/** Issues certificates signed by `ca` into `dir`. */
export function issuer(dir: string, ca: CertificatePaths): Pki['issue'] {
  return (name, subject, usage, sans = []) => {
    const paths = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    const csr = join(dir, `${name}.csr`);
    const ext = join(dir, `${name}.ext`);
    const subj = `/CN=${subject.cn}${(subject.o ?? []).map((o) => `/O=${o}`).join('')}`;
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', paths.key, '-out', csr, '-subj', subj]);
    const extended = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[usage];
    const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${extended}`];
    if (sans.length > 0) lines.push(`subjectAltName=${sans.join(',')}`);
    writeFileSync(ext, `${lines.join('\n')}\n`);
    openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', paths.cert, '-days', '30', '-extfile', ext]);
    return paths;
  };
}
