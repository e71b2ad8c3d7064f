/** The Kubernetes objects volume resolution reads, reduced to the fields it uses. */
import type { LabelSelector } from './selector.ts';

export interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly { readonly kind: string; readonly name: string; readonly uid?: string }[];
  readonly uid?: string;
}

export interface PodVolume {
  readonly name: string;
  readonly persistentVolumeClaim?: { readonly claimName: string };
  readonly ephemeral?: { readonly volumeClaimTemplate?: unknown };
}

export interface PodSpec {
  readonly volumes?: readonly PodVolume[];
  readonly nodeName?: string;
}

export interface Pod {
  readonly metadata: Meta;
  readonly spec: PodSpec;
  readonly status?: { readonly phase?: string };
}

export interface Workload {
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob';
  readonly metadata: Meta;
  readonly spec: {
    readonly replicas?: number;
    readonly selector?: LabelSelector;
    readonly template?: { readonly spec?: PodSpec };
    readonly jobTemplate?: { readonly spec?: { readonly template?: { readonly spec?: PodSpec } } };
    readonly volumeClaimTemplates?: readonly { readonly metadata: { readonly name: string } }[];
  };
}

export interface Claim {
  readonly metadata: Meta;
  readonly spec: { readonly volumeName?: string; readonly storageClassName?: string; readonly dataSource?: unknown };
  readonly status?: { readonly phase?: string };
}

export interface Volume {
  readonly metadata: Meta;
  readonly spec: {
    readonly capacity?: Readonly<Record<string, string>>;
    readonly accessModes?: readonly string[];
    readonly volumeMode?: string;
    readonly mountOptions?: readonly string[];
    readonly persistentVolumeReclaimPolicy?: string;
    readonly storageClassName?: string;
    readonly csi?: { readonly driver: string; readonly volumeHandle: string; readonly fsType?: string; readonly volumeAttributes?: Readonly<Record<string, string>> };
    readonly rbd?: { readonly pool?: string; readonly image: string; readonly monitors?: readonly string[] };
    readonly flexVolume?: { readonly driver: string; readonly options?: Readonly<Record<string, string>> };
    readonly hostPath?: { readonly path: string };
    readonly local?: { readonly path: string };
    readonly nodeAffinity?: { readonly required?: { readonly nodeSelectorTerms?: readonly { readonly matchExpressions?: readonly { readonly key: string; readonly values?: readonly string[] }[] }[] } };
    readonly claimRef?: { readonly namespace?: string; readonly name?: string };
  };
}

/** Where a volume's data is, and so how Strata reads it. */
export type Backend =
  | { readonly kind: 'rbd'; readonly via: 'csi' | 'flex' | 'in-tree'; readonly pool: string; readonly image: string; readonly radosNamespace?: string; readonly clusterId?: string; readonly driver?: string }
  | { readonly kind: 'directory'; readonly via: 'hostPath' | 'local'; readonly path: string; readonly node?: string }
  | { readonly kind: 'csi'; readonly driver: string; readonly volumeHandle: string }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** A pod that uses a claim, and where the kubelet mounts it (pod UID, node). */
export interface Mount {
  readonly pod: string;
  readonly uid?: string;
  readonly node?: string;
}

export interface ResolvedVolume {
  readonly namespace: string;
  readonly claim: string;
  /** Unset while the claim is not bound. */
  readonly volume?: string;
  readonly storageClass?: string;
  /** The workloads ("StatefulSet/db") and pods that use it. */
  readonly workloads: readonly string[];
  readonly pods: readonly string[];
  readonly mounts: readonly Mount[];
  readonly backend: Backend;
  /** The bound PersistentVolume's spec: a restore binds a static copy of it to the restored data. */
  readonly spec?: Volume['spec'];
}
