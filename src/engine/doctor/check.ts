/** One preflight check's outcome. `doctor` prints one line per check; later commands reuse them. */

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable identifier for --json consumers: "cluster", "rbac-backup", "etcd", "repository". */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** One line: what was found, or what is wrong and what to do. */
  readonly detail: string;
  /** Facts for machines (server version, member table, missing permissions). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export const pass = (id: string, title: string, detail: string, data?: Record<string, unknown>): CheckResult =>
  data === undefined ? { id, title, status: 'pass', detail } : { id, title, status: 'pass', detail, data };

export const fail = (id: string, title: string, detail: string, data?: Record<string, unknown>): CheckResult =>
  data === undefined ? { id, title, status: 'fail', detail } : { id, title, status: 'fail', detail, data };

export const skip = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'skip', detail });
