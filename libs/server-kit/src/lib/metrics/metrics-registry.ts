import { collectDefaultMetrics, Registry } from 'prom-client';
import { SecretDigest } from '../auth/secret-digest';

/**
 * A registry of one app's metrics with prom-client's process and Node.js defaults (`process_*`,
 * `nodejs_*`). One per app instance, never prom-client's global one: tests run several apps in one
 * process, and each must count only its own events.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The exposition of a registry as Prometheus scrapes it. */
export async function metricsExposition(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Who may read `/metrics`: anyone when no token is set (OZ_METRICS_TOKEN unset), else a request with
 * `Authorization: Bearer <token>`, compared in constant time.
 */
export class MetricsAccess {
  private readonly digest: SecretDigest | null;

  constructor(token: string | null | undefined) {
    this.digest = SecretDigest.of(token);
  }

  get protected(): boolean {
    return this.digest !== null;
  }

  allows(authorization: string | string[] | undefined): boolean {
    if (!this.digest) return true;
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const bearer = /^Bearer +(\S+) *$/i.exec(header ?? '');
    return bearer !== null && this.digest.matches(bearer[1] as string);
  }
}

/** What a refused scrape is told, and the challenge that goes with it. */
export const METRICS_REFUSAL = {
  status: 401,
  code: 'metrics_token_required',
  message: 'GET /metrics needs Authorization: Bearer <OZ_METRICS_TOKEN>',
  challenge: 'Bearer realm="metrics"',
} as const;
