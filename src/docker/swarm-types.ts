/**
 * The Swarm objects of the Docker Engine API that Strata reads, with only the fields it
 * looks at named; every object is stored whole, as the engine returned it.
 */

export interface Versioned {
  readonly ID: string;
  readonly Version: { readonly Index: number };
  readonly CreatedAt?: string;
  readonly UpdatedAt?: string;
}

export interface EngineInfo {
  readonly Name: string;
  readonly ServerVersion: string;
  /** The engine's own labels (daemon.json "labels"), "key=value" each. */
  readonly Labels?: readonly string[] | null;
  readonly Swarm: {
    readonly NodeID: string;
    readonly NodeAddr: string;
    /** inactive, pending, active, error or locked */
    readonly LocalNodeState: string;
    readonly ControlAvailable: boolean;
    readonly Error?: string;
    readonly Cluster?: { readonly ID: string };
  };
}

export interface SwarmInfo extends Versioned {
  readonly Spec: { readonly Name?: string; readonly EncryptionConfig?: { readonly AutoLockManagers?: boolean }; readonly [key: string]: unknown };
  readonly JoinTokens?: { readonly Worker: string; readonly Manager: string };
  readonly [key: string]: unknown;
}

export interface NodeSpec {
  readonly Name?: string;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly Role: 'manager' | 'worker';
  readonly Availability: 'active' | 'pause' | 'drain';
}

export interface SwarmNode extends Versioned {
  readonly Spec: NodeSpec;
  readonly Description?: { readonly Hostname?: string; readonly [key: string]: unknown };
  readonly Status: { readonly State: string; readonly Message?: string; readonly Addr?: string };
  readonly ManagerStatus?: { readonly Leader?: boolean; readonly Reachability: string; readonly Addr: string };
}

export interface NamedSpec {
  readonly Name: string;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

export interface SwarmService extends Versioned {
  readonly Spec: NamedSpec & {
    readonly TaskTemplate: {
      readonly ContainerSpec?: {
        readonly Image?: string;
        readonly Secrets?: readonly { readonly SecretID: string; readonly SecretName: string; readonly [key: string]: unknown }[];
        readonly Configs?: readonly { readonly ConfigID: string; readonly ConfigName: string; readonly [key: string]: unknown }[];
        readonly [key: string]: unknown;
      };
      readonly Networks?: readonly { readonly Target: string; readonly Aliases?: readonly string[]; readonly [key: string]: unknown }[];
      readonly [key: string]: unknown;
    };
    readonly Networks?: readonly { readonly Target: string; readonly [key: string]: unknown }[];
  };
  readonly [key: string]: unknown;
}

export interface SwarmNetwork {
  readonly Id: string;
  readonly Name: string;
  readonly Scope: string;
  readonly Driver: string;
  readonly Ingress?: boolean;
  readonly Internal?: boolean;
  readonly Attachable?: boolean;
  readonly EnableIPv6?: boolean;
  readonly IPAM?: { readonly Driver?: string; readonly Options?: Readonly<Record<string, string>> | null; readonly Config?: readonly Readonly<Record<string, unknown>>[] | null };
  readonly Options?: Readonly<Record<string, string>> | null;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly ConfigOnly?: boolean;
  readonly ConfigFrom?: { readonly Network?: string };
  readonly [key: string]: unknown;
}

/** A config (Spec.Data holds its base64 value) or a secret (the engine never returns its value). */
export interface SwarmConfig extends Versioned {
  readonly Spec: NamedSpec & { readonly Data?: string; readonly Templating?: unknown; readonly Driver?: unknown };
}

/** Labels Docker's stack deploy sets: the stack an object belongs to. */
export const STACK_LABEL = 'com.docker.stack.namespace';
