/**
 * A realistic application for object backup tests, applied with the test bed's kubectl:
 * two namespaces with Deployments, a StatefulSet with claim templates, Services (ClusterIP,
 * headless, NodePort), Ingress, ConfigMaps, Secrets, ServiceAccounts with RoleBindings, a
 * CronJob, an HPA, NetworkPolicies, hostPath PVs (Retain) bound to PVCs, a CRD with custom
 * resources, and a validating webhook that refuses guarded ConfigMaps while it exists.
 */
import { execFileSync } from 'node:child_process';
import { binary } from '../../testbed/binaries.ts';

export interface Workloads {
  readonly shop: string;
  readonly ops: string;
  readonly storageClass: string;
  readonly crdGroup: string;
  readonly webhook: string;
  readonly volumes: readonly string[];
}

export function workloadNames(prefix: string): Workloads {
  return {
    shop: `${prefix}-shop`,
    ops: `${prefix}-ops`,
    storageClass: `${prefix}-manual`,
    crdGroup: `${prefix}.example.com`,
    webhook: `${prefix}-guard`,
    volumes: [`${prefix}-data`, `${prefix}-db-0`, `${prefix}-db-1`],
  };
}

export function kubectl(kubeconfig: string, args: readonly string[], input?: string): string {
  return execFileSync(binary('kubernetes', 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', ...(input !== undefined && { input }), stdio: ['pipe', 'pipe', 'pipe'] });
}

export function getJson<T = { metadata: { name: string; uid: string }; spec?: Record<string, unknown>; status?: Record<string, unknown> }>(kubeconfig: string, args: readonly string[]): T {
  return JSON.parse(kubectl(kubeconfig, ['get', ...args, '-o', 'json'])) as T;
}

/** Polls until `check` returns true; fails with `what` after `ms`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (let attempt = 0; attempt < 10_000 && Date.now() < deadline; attempt++) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${(last as Error).message}`}`);
}

const pv = (w: Workloads, name: string, claimNamespace: string, claim: string): string => `
apiVersion: v1
kind: PersistentVolume
metadata: {name: ${name}}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ${w.storageClass}
  hostPath: {path: /tmp/strata-${name}}
  claimRef: {namespace: ${claimNamespace}, name: ${claim}}
`;

export function workloadManifest(w: Workloads): string {
  const docs = [
    `
apiVersion: v1
kind: Namespace
metadata: {name: ${w.shop}, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ${w.ops}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ${w.storageClass}}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.${w.crdGroup}}
spec:
  group: ${w.crdGroup}
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}, colour: {type: string}}}
`,
    pv(w, w.volumes[0]!, w.shop, 'data'),
    pv(w, w.volumes[1]!, w.shop, 'data-db-0'),
    pv(w, w.volumes[2]!, w.shop, 'data-db-1'),
    `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: ${w.shop}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ${w.storageClass}
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: ${w.shop}}
data: {colour: blue, size: "3"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: guarded, namespace: ${w.shop}, labels: {guarded: "yes"}}
data: {note: "the webhook refuses this one while it exists"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ${w.shop}}
type: Opaque
stringData: {password: s3cret-${w.shop}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: bot, namespace: ${w.shop}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: ${w.shop}}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bot-reader, namespace: ${w.shop}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: bot, namespace: ${w.shop}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${w.shop}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: bot
      containers: [{name: web, image: nginx:1.27, ports: [{containerPort: 80}]}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ${w.shop}}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:17, volumeMounts: [{name: data, mountPath: /var/lib/postgresql}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], storageClassName: ${w.storageClass}, resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${w.shop}}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: ${w.shop}}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-public, namespace: ${w.shop}}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: chosen, port: 80, nodePort: 30080}, {name: allocated, port: 443}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: ${w.shop}}
spec:
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: ${w.shop}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: ${w.shop}}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ${w.shop}}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: OnFailure, containers: [{name: job, image: busybox:1.36, command: [sh, -c, "date"]}]}
---
apiVersion: ${w.crdGroup}/v1
kind: Widget
metadata: {name: w1, namespace: ${w.shop}}
spec: {size: 3, colour: red}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${w.ops}}
data: {level: debug}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: ${w.ops}}
spec:
  replicas: 1
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: busybox:1.36}]}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ${w.webhook}}
webhooks:
- name: guard.${w.crdGroup}
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Fail
  clientConfig: {service: {namespace: ${w.shop}, name: no-such-service, port: 443}}
  objectSelector: {matchLabels: {guarded: "yes"}}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [configmaps]}]
`,
  ];
  return docs.join('\n---\n');
}

/** Applies the manifest (the CRD first, so the custom resource's type exists) and waits until it has settled. */
export async function applyWorkloads(kubeconfig: string, w: Workloads): Promise<void> {
  const manifest = workloadManifest(w);
  const withoutCustom = manifest.split('\n---\n').filter((doc) => !/^kind: Widget$/m.test(doc));
  kubectl(kubeconfig, ['apply', '-f', '-'], withoutCustom.join('\n---\n'));
  kubectl(kubeconfig, ['wait', '--for=condition=Established', `crd/widgets.${w.crdGroup}`, '--timeout=60s']);
  kubectl(kubeconfig, ['apply', '-f', '-'], manifest);
  await settled(kubeconfig, w);
}

/** Claims bound and the Deployments' pods Running (KWOK plays the kubelet). */
export async function settled(kubeconfig: string, w: Workloads): Promise<void> {
  await eventually('claims Bound', () => {
    const claims = getJson<{ items: { status?: { phase?: string } }[] }>(kubeconfig, ['pvc', '-n', w.shop]).items;
    return claims.length === 3 && claims.every((c) => c.status?.phase === 'Bound');
  });
  await eventually('pods Running', () => {
    const pods = getJson<{ items: { metadata: { labels?: Record<string, string> }; status?: { phase?: string } }[] }>(kubeconfig, ['pods', '-n', w.shop, '-l', 'app=web']).items;
    return pods.length === 2 && pods.every((p) => p.status?.phase === 'Running');
  });
}

/** A hostPath PersistentVolume pre-bound to a claim (`claimRef`), for tests that need a volume with files in it. */
export function hostPathVolume(o: { readonly name: string; readonly namespace: string; readonly claim: string; readonly path: string; readonly storageClass: string; readonly retain?: boolean }): string {
  return `
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${o.name} }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  ${o.retain === true ? 'persistentVolumeReclaimPolicy: Retain' : ''}
  storageClassName: ${o.storageClass}
  claimRef: { namespace: ${o.namespace}, name: ${o.claim} }
  hostPath: { path: ${o.path} }
---`;
}

/**
 * A StorageClass whose claims get a new directory on this machine (kube-controller-manager's
 * hostPath provisioner, docs/testbed.md), deleted with them: scratch claims a drill writes into.
 */
export function hostPathProvisionedClass(name: string): string {
  return `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: ${name} }
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
---`;
}

/** A claim of 1Gi in a storage class, bound to `volume` when one is named. */
export function claim(o: { readonly name: string; readonly namespace: string; readonly storageClass: string; readonly volume?: string }): string {
  return `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${o.name}, namespace: ${o.namespace} }
spec: { accessModes: [ReadWriteOnce], storageClassName: ${o.storageClass}, ${o.volume === undefined ? '' : `volumeName: ${o.volume}, `}resources: { requests: { storage: 1Gi } } }
---`;
}

/** A Deployment `name` (label app=NAME) whose pods mount the claim; `podMetadata` adds to their metadata (finalizers…). */
export function deploymentUsing(o: { readonly name: string; readonly namespace: string; readonly claim: string; readonly replicas?: number; readonly podMetadata?: string }): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${o.name}, namespace: ${o.namespace} }
spec:
  replicas: ${o.replicas ?? 1}
  selector: { matchLabels: { app: ${o.name} } }
  template:
    metadata: { labels: { app: ${o.name} }${o.podMetadata === undefined ? '' : `, ${o.podMetadata}`} }
    spec: { containers: [{ name: ${o.name}, image: nginx }], volumes: [{ name: data, persistentVolumeClaim: { claimName: ${o.claim} } }] }
---`;
}
