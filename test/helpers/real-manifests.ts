/**
 * Real-world manifests for the objects fidelity test, taken from the projects' own Go
 * modules (downloaded through the module proxy, as the test bed does for the snapshot CRDs):
 * Gateway API's experimental CRDs (the group prefers v1, but TCPRoute and UDPRoute are
 * served only at v1alpha2, ReferenceGrant only at v1beta1), cert-manager's CRDs, and a large
 * multi-kind install made of Kubernetes' own add-on and e2e manifests, moved into one
 * namespace. Custom resources of every kind the CRDs define are written here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goModule, versions } from '../../testbed/binaries.ts';

const yamlFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort().map((f) => join(dir, f));

/** The CRD files of both operators. */
export function operatorCrds(): string[] {
  const v = versions();
  return [
    ...yamlFiles(join(goModule('sigs.k8s.io/gateway-api', v['GATEWAY_API_VERSION']!), 'config', 'crd', 'experimental')),
    ...yamlFiles(join(goModule('github.com/cert-manager/cert-manager', v['CERT_MANAGER_VERSION']!), 'deploy', 'crds')),
  ];
}

/** One custom resource of every kind the two CRD sets define; cluster-scoped names carry `suffix`. */
export function customResources(namespace: string, suffix: string): string {
  const gw = 'gateway.networking.k8s.io';
  const backend = (name: string, port: number) => `{ backendRefs: [{ name: ${name}, port: ${port} }] }`;
  return `
apiVersion: ${gw}/v1
kind: GatewayClass
metadata: { name: example-${suffix} }
spec: { controllerName: example.com/gateway-controller }
---
apiVersion: ${gw}/v1
kind: Gateway
metadata: { name: gw, namespace: ${namespace} }
spec: { gatewayClassName: example-${suffix}, listeners: [{ name: http, port: 80, protocol: HTTP }] }
---
apiVersion: ${gw}/v1
kind: HTTPRoute
metadata: { name: web, namespace: ${namespace} }
spec: { parentRefs: [{ name: gw }], hostnames: [web.example.com], rules: [${backend('frontend', 80)}] }
---
apiVersion: ${gw}/v1
kind: GRPCRoute
metadata: { name: grpc, namespace: ${namespace} }
spec: { parentRefs: [{ name: gw }], rules: [${backend('grpc', 9000)}] }
---
apiVersion: ${gw}/v1alpha2
kind: TCPRoute
metadata: { name: database, namespace: ${namespace} }
spec: { parentRefs: [{ name: gw }], rules: [${backend('cassandra', 9042)}] }
---
apiVersion: ${gw}/v1alpha2
kind: UDPRoute
metadata: { name: dns, namespace: ${namespace} }
spec: { parentRefs: [{ name: gw }], rules: [${backend('kube-dns', 53)}] }
---
apiVersion: ${gw}/v1alpha3
kind: TLSRoute
metadata: { name: tls, namespace: ${namespace} }
spec: { parentRefs: [{ name: gw }], hostnames: [tls.example.com], rules: [${backend('frontend', 443)}] }
---
apiVersion: ${gw}/v1beta1
kind: ReferenceGrant
metadata: { name: from-other, namespace: ${namespace} }
spec: { from: [{ group: ${gw}, kind: HTTPRoute, namespace: other }], to: [{ group: '', kind: Service }] }
---
apiVersion: ${gw}/v1
kind: BackendTLSPolicy
metadata: { name: frontend-tls, namespace: ${namespace} }
spec: { targetRefs: [{ group: '', kind: Service, name: frontend }], validation: { hostname: frontend.example.com, wellKnownCACertificates: System } }
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XBackendTrafficPolicy
metadata: { name: frontend-retries, namespace: ${namespace} }
spec: { targetRefs: [{ group: '', kind: Service, name: frontend }] }
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XListenerSet
metadata: { name: extra, namespace: ${namespace} }
spec: { parentRef: { name: gw }, listeners: [{ name: extra, protocol: HTTP, port: 8080 }] }
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XMesh
metadata: { name: mesh-${suffix} }
spec: { controllerName: example.com/mesh }
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: { name: selfsigned-${suffix} }
spec: { selfSigned: {} }
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: { name: selfsigned, namespace: ${namespace} }
spec: { selfSigned: {} }
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: frontend, namespace: ${namespace} }
spec: { secretName: frontend-tls, dnsNames: [frontend.example.com], issuerRef: { name: selfsigned } }
---
apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata: { name: frontend-1, namespace: ${namespace} }
spec: { request: ${Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64')}, issuerRef: { name: selfsigned } }
---
apiVersion: acme.cert-manager.io/v1
kind: Order
metadata: { name: frontend-1-order, namespace: ${namespace} }
spec: { request: ${Buffer.from('csr').toString('base64')}, dnsNames: [frontend.example.com], issuerRef: { name: selfsigned } }
---
apiVersion: acme.cert-manager.io/v1
kind: Challenge
metadata: { name: frontend-1-challenge, namespace: ${namespace} }
spec:
  authorizationURL: https://acme.example.com/authz/1
  dnsName: frontend.example.com
  issuerRef: { name: selfsigned }
  key: token.thumbprint
  solver: { http01: { ingress: {} } }
  token: token
  type: HTTP-01
  url: https://acme.example.com/chall/1
`;
}

/**
 * Kubernetes' own add-ons (CoreDNS, node-problem-detector, kube-network-policies, the DNS
 * autoscaler, kubelet RBAC) and e2e applications (guestbook, Cassandra, CockroachDB,
 * ZooKeeper, MySQL Galera StatefulSets), moved from kube-system into `namespace`, with their
 * template placeholders filled.
 */
export function largeInstall(namespace: string): string {
  const k8s = goModule('k8s.io/kubernetes', versions()['KUBERNETES_VERSION']!);
  const read = (...path: string[]) => readFileSync(join(k8s, ...path), 'utf8');
  const files = [
    read('cluster', 'addons', 'dns', 'coredns', 'coredns.yaml.base'),
    read('cluster', 'addons', 'node-problem-detector', 'npd.yaml'),
    read('cluster', 'addons', 'kube-network-policies', 'kube-network-policies-rbac.yaml'),
    read('cluster', 'addons', 'kube-network-policies', 'kube-network-policies.yaml'),
    read('cluster', 'addons', 'dns-horizontal-autoscaler', 'dns-horizontal-autoscaler.yaml'),
    read('cluster', 'addons', 'rbac', 'kubelet-api-auth', 'kubelet-api-admin-role.yaml'),
    read('cluster', 'addons', 'rbac', 'kubelet-cert-rotation', 'kubelet-certificate-management.yaml'),
    ...['cassandra', 'cockroachdb', 'zookeeper', 'mysql-galera'].flatMap((app) => {
      const dir = join(k8s, 'test', 'e2e', 'testing-manifests', 'statefulset', app);
      return readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'tester.yaml' && f !== 'controller.yaml').sort().map((f) => readFileSync(join(dir, f), 'utf8'));
    }),
    ...readdirSync(join(k8s, 'test', 'e2e', 'testing-manifests', 'guestbook')).filter((f) => /\.yaml(\.in)?$/.test(f)).sort().map((f) => read('test', 'e2e', 'testing-manifests', 'guestbook', f)),
  ];
  return files
    .map((text) => text
      .replace(/__DNS__DOMAIN__/g, 'cluster.local')
      .replace(/__DNS__MEMORY__LIMIT__/g, '170Mi')
      .replace(/^\s*clusterIP: __DNS__SERVER__\s*$/m, '')
      .replace(/__MACHINE_GENERATED_WARNING__/g, '')
      .replace(/\{\{\.AgnhostImage\}\}/g, 'registry.k8s.io/e2e-test-images/agnhost:2.53')
      .replace(/\{\{\.RedisImage\}\}/g, 'registry.k8s.io/e2e-test-images/redis:5.0.5-3')
      .replace(/namespace: kube-system/g, `namespace: ${namespace}`))
    .join('\n---\n');
}
