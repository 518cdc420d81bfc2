import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { InjectPool } from '../database/pg-pool';

/** One gateway call's (or attempt's) share of a run's and a provider's usage. */
export interface UsageCounts {
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
}

/** A provider's gateway usage over a recent window, for the admin's view. */
export interface ProviderUsageTotals extends UsageCounts {
  providerKey: string;
}

/**
 * The SQL of LLM gateway usage: added to the run's `request_usage` (in all and per provider, by
 * `oz_add_request_usage` inside the UPDATE, so concurrent calls of one run never lose a count) and to
 * the provider's hour in `provider_request_usage`, in one statement.
 */
@Injectable()
export class RequestUsageRepository {
  constructor(@InjectPool() private readonly pool: Pool) {}

  async add(runId: string, providerKey: string, usage: UsageCounts): Promise<void> {
    await this.pool.query(
      `WITH run AS (
         UPDATE runs SET request_usage = oz_add_request_usage(request_usage, $2, $3, $4, $5, $6) WHERE id = $1 RETURNING id
       )
       INSERT INTO provider_request_usage AS u (provider_key, hour, calls, failed_calls, input_tokens, output_tokens)
       VALUES ($2, date_trunc('hour', now()), $3, $4, $5, $6)
       ON CONFLICT (provider_key, hour) DO UPDATE
         SET calls = u.calls + excluded.calls, failed_calls = u.failed_calls + excluded.failed_calls,
             input_tokens = u.input_tokens + excluded.input_tokens, output_tokens = u.output_tokens + excluded.output_tokens`,
      [runId, providerKey, usage.calls, usage.failedCalls, usage.inputTokens, usage.outputTokens],
    );
  }

  /** Every provider's usage in the hours that started within the last `hours` (the current one included). */
  async totalsSince(hours: number): Promise<Map<string, ProviderUsageTotals>> {
    const { rows } = await this.pool.query<{ provider_key: string; calls: string; failed_calls: string; input_tokens: string; output_tokens: string }>(
      `SELECT provider_key, sum(calls) AS calls, sum(failed_calls) AS failed_calls, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
       FROM provider_request_usage WHERE hour > date_trunc('hour', now()) - make_interval(hours => $1)
       GROUP BY provider_key`,
      [hours],
    );
    return new Map(
      rows.map((row) => [
        row.provider_key,
        {
          providerKey: row.provider_key,
          calls: Number(row.calls),
          failedCalls: Number(row.failed_calls),
          inputTokens: Number(row.input_tokens),
          outputTokens: Number(row.output_tokens),
        },
      ]),
    );
  }
}
