import { Injectable } from '@nestjs/common';
import { ProviderRouter, QuotaStore } from '@oz/providers';
import type { ProviderStatusDto, ProviderStatusListDto } from './dto/provider-status.dto';

/** The operator's view of the providers: configuration, quota windows and 429 pauses as they are now. */
@Injectable()
export class ProviderStatusService {
  constructor(
    private readonly router: ProviderRouter,
    private readonly quotas: QuotaStore,
  ) {}

  async list(): Promise<ProviderStatusListDto> {
    const { settings } = this.router;
    const providers: ProviderStatusDto[] = [];
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
      });
    }
    return {
      providers,
      fallback_order: settings.fallbackOrder,
      queue_on_saturation: settings.queueOnSaturation,
      queue_max_wait_seconds: settings.queueMaxWaitMs / 1000,
    };
  }
}
