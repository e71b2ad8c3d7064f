/** Failures the Kubernetes API reports: HTTP status plus the Status object's reason and message. */
import type { KubeResponse } from './http.ts';

/** The API's own failure: HTTP status plus the Status object's reason and message. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly path: string;

  constructor(status: number, reason: string, message: string, path: string) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.path = path;
  }
}

export function apiError(path: string, response: KubeResponse): KubeApiError {
  const body = response.body as { reason?: string; message?: string } | string;
  const reason = typeof body === 'object' && body !== null ? (body.reason ?? '') : '';
  const message = typeof body === 'object' && body !== null ? (body.message ?? `HTTP ${response.status}`) : `HTTP ${response.status}${body ? `: ${String(body).slice(0, 200)}` : ''}`;
  return new KubeApiError(response.status, reason, message, path);
}
