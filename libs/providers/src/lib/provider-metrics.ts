import { Counter, Gauge, type Registry } from 'prom-client';
import type { ProviderClientFactory } from './clients/provider-client';
import { ProviderError, type ProviderFailureKind } from './provider-error';
import type { ProviderSettings } from './provider-settings';
import type { QuotaStore } from './quota-store';

/** The `reason` label of a failed call: what went wrong, in the words the dashboard and alerts use. */
const FAILURE_REASONS: Record<Exclude<ProviderFailureKind, 'cancelled'>, string> = {
  rate_limit: 'rate_limited',
  server: 'server_error',
  network: 'network',
  timeout: 'timeout',
  bad_response: 'bad_response',
  auth: 'auth',
  request: 'request',
  config: 'config',
};

export type FallbackReason = 'saturated' | 'failed';

/**
 * The provider metrics of one app (control plane, or the workspace in local mode), in its registry:
 * calls, failures by reason, fallbacks from one provider to the next, and each quota's use, counted
 * in the database when Prometheus scrapes (so every replica reports the same number).
 */
export class ProviderMetrics {
  private readonly calls: Counter<'provider'>;
  private readonly failures: Counter<'provider' | 'reason'>;
  private readonly fallbacks: Counter<'from' | 'to' | 'reason'>;

  constructor(private readonly registry: Registry) {
    this.calls = new Counter({ name: 'oz_provider_calls_total', help: 'Provider calls started, by provider key.', labelNames: ['provider'], registers: [registry] });
    this.failures = new Counter({
      name: 'oz_provider_failures_total',
      help: 'Provider calls that failed. reason: rate_limited, server_error, network, timeout, bad_response, auth, request or config.',
      labelNames: ['provider', 'reason'],
      registers: [registry],
    });
    this.fallbacks = new Counter({
      name: 'oz_provider_fallbacks_total',
      help: 'Moves from one provider of a route to the next. reason: saturated (quota full or resting after a 429) or failed.',
      labelNames: ['from', 'to', 'reason'],
      registers: [registry],
    });
  }

  called(provider: string): void {
    this.calls.inc({ provider });
  }

  /** A call's failure; a cancelled call (the run was cancelled, the replica is stopping) is not one. */
  failed(provider: string, kind: ProviderFailureKind): void {
    if (kind !== 'cancelled') this.failures.inc({ provider, reason: FAILURE_REASONS[kind] });
  }

  fellBack(from: string, to: string, reason: FallbackReason): void {
    this.fallbacks.inc({ from, to, reason });
  }

  /** The router's client factory, its clients counting every call and every failure. */
  countCalls(create: ProviderClientFactory): ProviderClientFactory {
    return (provider) => {
      const client = create(provider);
      return {
        complete: async (request) => {
          this.called(provider.key);
          try {
            return await client.complete(request);
          } catch (error) {
            if (error instanceof ProviderError) this.failed(provider.key, error.kind);
            throw error;
          }
        },
      };
    };
  }

  /**
   * Follows one route through its candidates (provider keys, in the order the router tries them,
   * from `planRoute`): call `attempting` from the route's `onAttempt` hook, and each move past a
   * provider on the way (skipped as saturated, or tried and failed) is counted.
   */
  trail(candidates: readonly string[]): FallbackTrail {
    return new FallbackTrail(candidates, (from, to, reason) => this.fellBack(from, to, reason));
  }

  /**
   * `oz_provider_quota_used` and `oz_provider_quota_limit` for every provider with a quota: calls in
   * its rolling window as the quota table holds them at scrape time, and its MSG_LIMIT. A database
   * that does not answer leaves the used gauge out of that scrape rather than failing it.
   */
  reportQuotas(settings: ProviderSettings, quotas: QuotaStore, onError: (error: unknown) => void = () => undefined): void {
    const limited = () => [...settings.providers.values()].filter((provider) => provider.quota !== null);
    new Gauge({
      name: 'oz_provider_quota_limit',
      help: "The provider's MSG_LIMIT (providers with a quota).",
      labelNames: ['provider'],
      registers: [this.registry],
      collect() {
        for (const provider of limited()) this.set({ provider: provider.key }, provider.quota?.limit ?? 0);
      },
    });
    new Gauge({
      name: 'oz_provider_quota_used',
      help: "Calls counted in the provider's current rolling window, database-wide (providers with a quota).",
      labelNames: ['provider'],
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          const used = await Promise.all(limited().map(async (provider) => [provider.key, (await quotas.usage(provider.key, provider.quota)).used] as const));
          for (const [provider, calls] of used) this.set({ provider }, calls);
        } catch (error) {
          onError(error);
        }
      },
    });
  }
}

/** One route's way through its candidates: see ProviderMetrics.trail. */
export class FallbackTrail {
  /** Index of the candidate attempted last; -1 before the first attempt. */
  private position = -1;

  constructor(
    private readonly candidates: readonly string[],
    private readonly record: (from: string, to: string, reason: FallbackReason) => void,
  ) {}

  /**
   * The router is about to call `provider`. Every candidate before it since the last attempt was
   * moved past: the last one attempted because it failed (the router goes on only after a failure
   * that falls back), the others because they were saturated.
   */
  attempting(provider: string): void {
    const index = this.candidates.indexOf(provider, this.position + 1);
    if (index < 0) return;
    for (let from = Math.max(this.position, 0); from < index; from++) {
      this.record(this.candidates[from] as string, this.candidates[from + 1] as string, from === this.position ? 'failed' : 'saturated');
    }
    this.position = index;
  }
}
