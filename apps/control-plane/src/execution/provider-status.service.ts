import { Injectable } from '@nestjs/common';
import { ProviderRouter, QuotaStore } from '@oz/providers';
import type { Pool } from 'pg';
import { InjectPool } from '../database/pg-pool';
import { RequestUsageRepository } from '../llm-gateway/request-usage.repository';
import type { ProviderStatusDto, ProviderStatusListDto, ProviderUsageDto } from './dto/provider-status.dto';

/** The usage chart has at most this many bars over a provider's quota window. */
const MAX_USAGE_BUCKETS = 30;
/** The gateway's usage per provider is shown over this many hours. */
const GATEWAY_USAGE_HOURS = 24;

/** The operator's view of the providers: configuration, quota windows and 429 pauses as they are now. */
@Injectable()
export class ProviderStatusService {
  constructor(
    private readonly router: ProviderRouter,
    private readonly quotas: QuotaStore,
    @InjectPool() private readonly pool: Pool,
    private readonly requestUsage: RequestUsageRepository,
  ) {}

  async list(): Promise<ProviderStatusListDto> {
    const { settings } = this.router;
    const providers: ProviderStatusDto[] = [];
    const gateway = await this.requestUsage.totalsSince(GATEWAY_USAGE_HOURS);
    for (const provider of [...settings.providers.values()].sort((a, b) => a.key.localeCompare(b.key))) {
      const usage = await this.quotas.usage(provider.key, provider.quota);
      providers.push({
        key: provider.key,
        type: provider.type,
        model: provider.model,
        usable: provider.problems.length === 0,
        problems: provider.problems,
        quota: provider.quota
          ? {
              limit: provider.quota.limit,
              window_seconds: provider.quota.windowSeconds,
              used: usage.used,
              remaining: Math.max(0, provider.quota.limit - usage.used),
              next_free_at: usage.nextFreeAt?.toISOString() ?? null,
            }
          : null,
        blocked_until: usage.blockedUntil?.toISOString() ?? null,
        blocked_reason: usage.blockReason,
        usage: provider.quota ? await this.callsPerBucket(provider.key, provider.quota.windowSeconds) : { bucket_seconds: 0, calls: [] },
        gateway_usage: {
          window_hours: GATEWAY_USAGE_HOURS,
          calls: gateway.get(provider.key)?.calls ?? 0,
          failed_calls: gateway.get(provider.key)?.failedCalls ?? 0,
          input_tokens: gateway.get(provider.key)?.inputTokens ?? 0,
          output_tokens: gateway.get(provider.key)?.outputTokens ?? 0,
        },
      });
    }
    return {
      providers,
      fallback_order: settings.fallbackOrder,
      queue_on_saturation: settings.queueOnSaturation,
      queue_max_wait_seconds: settings.queueMaxWaitMs / 1000,
    };
  }

  /**
   * Calls made in the quota window, per bucket of equal length, oldest first, the last ending now
   * (the rows the quota counts: one per call made). Only providers with a quota keep such rows.
   */
  private async callsPerBucket(providerKey: string, windowSeconds: number): Promise<ProviderUsageDto> {
    const bucketSeconds = Math.max(1, Math.ceil(windowSeconds / MAX_USAGE_BUCKETS));
    const buckets = Math.ceil(windowSeconds / bucketSeconds);
    const { rows } = await this.pool.query<{ age: number; calls: number }>(
      `WITH now AS (SELECT clock_timestamp() AS t)
       SELECT floor(extract(epoch FROM (now.t - u.used_at)) / $3)::int AS age, count(*)::int AS calls
         FROM provider_quota_uses u, now
        WHERE u.provider_key = $1 AND u.used_at > now.t - make_interval(secs => $2)
        GROUP BY 1`,
      [providerKey, windowSeconds, bucketSeconds],
    );
    const calls = new Array<number>(buckets).fill(0);
    for (const row of rows) if (row.age >= 0 && row.age < buckets) calls[buckets - 1 - row.age] += row.calls;
    return { bucket_seconds: bucketSeconds, calls };
  }
}
