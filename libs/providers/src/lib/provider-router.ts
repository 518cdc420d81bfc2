import { AnthropicClient } from './clients/anthropic';
import { CliClient } from './clients/cli';
import { GeminiClient } from './clients/gemini';
import { OpenAiCompatibleClient } from './clients/openai-compatible';
import type { ProviderClient, ProviderClientFactory } from './clients/provider-client';
import { ProviderError } from './provider-error';
import type { ProviderDefinition, ProviderSettings, ProviderType } from './provider-settings';
import type { QuotaStore, Reservation } from './quota-store';
import { planRoute, type RouteSelector } from './route-plan';

/** How long a provider that answered 429 without Retry-After is left alone. */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 60_000;
/** A Retry-After longer than this is capped: the provider is tried again, not abandoned for a day. */
const MAX_RATE_LIMIT_PAUSE_MS = 3_600_000;
/**
 * How stale this replica's view of other replicas' 429 pauses may be, for providers without a quota
 * (those with one read the pause in the same statement that takes the slot). A second saves a
 * database round trip per call; a 429 seen by another replica reaches this one within that second.
 */
const BLOCKS_REFRESH_MS = 1000;

export interface RouteRequest extends RouteSelector {
  /** Recorded with each quota use, so an operator can tell which run spent a slot. */
  runId: string | null;
  prompt: string;
  system?: string;
  signal: AbortSignal;
  /** When this request first found every provider saturated; the queue wait is counted from it. */
  saturatedSince?: Date | null;
}

export interface Attempt {
  provider: ProviderDefinition;
  model: string;
}

export interface RouteHooks {
  /**
   * Told just before a provider is called (its slot is already taken). Returning false abandons the
   * route without calling: the run was cancelled or taken away meanwhile.
   */
  onAttempt(attempt: Attempt): Promise<boolean> | boolean;
  onDelta?(text: string): void;
  /** An attempt failed and another may follow: text streamed so far is not part of the answer. */
  onAttemptFailed?(attempt: Attempt, error: ProviderError): void;
}

export type RouteOutcome =
  | { kind: 'answered'; text: string; attempt: Attempt }
  /** Every provider is saturated; route again at `retryAt` (within the queue limit). */
  | { kind: 'saturated'; retryAt: Date; message: string }
  | { kind: 'failed'; message: string; attempt?: Attempt }
  | { kind: 'cancelled' };

/**
 * A call of any shape routed like a run: the same plan, quotas, fallback and saturation rules as
 * `route`, with the caller making each attempt's call (the LLM gateway passes a client's own request
 * through this way).
 */
export interface DispatchRequest extends RouteSelector {
  /** Recorded with each quota use. */
  runId: string | null;
  signal: AbortSignal;
  /** When this request first found every provider saturated; the queue wait is counted from it. */
  saturatedSince?: Date | null;
  /** Only providers of these types are tried (a wire format passes through only to providers that speak it). */
  types?: readonly ProviderType[];
}

export interface DispatchHooks {
  /** As RouteHooks.onAttempt; default: go ahead. */
  onAttempt?(attempt: Attempt): Promise<boolean> | boolean;
  onAttemptFailed?(attempt: Attempt, error: ProviderError): void;
}

/**
 * One attempt's call. It throws a ProviderError for a failure (`fallsBack` decides whether the next
 * provider is tried), and must not throw one that falls back once it has handed anything to its own
 * caller: from then on it reports failures some other way.
 */
export type AttemptCall<T> = (attempt: Attempt) => Promise<T>;

export type DispatchOutcome<T> =
  | { kind: 'answered'; value: T; attempt: Attempt }
  | { kind: 'saturated'; retryAt: Date; message: string; errors: ProviderError[] }
  /**
   * `error`: the failure that ended the route at one provider (auth, a refused request); `errors`:
   * every failure met; `saturatedUntil`: when a slot frees, when saturation (no queueing, or past the
   * queue limit) is why it failed.
   */
  | { kind: 'failed'; message: string; attempt?: Attempt; error?: ProviderError; errors: ProviderError[]; saturatedUntil?: Date }
  | { kind: 'cancelled' };

/**
 * Sends a prompt to the first provider of its route that has room and answers: saturated providers
 * (quota full, or resting after a 429) are skipped, providers in trouble (429, 5xx, network, timeout)
 * are fallen back from, and a refused request (auth, bad request) ends the route with the provider's
 * reason. When everything is saturated the caller is told when to come back, or, past the queue
 * limit or with queueing off, the route fails with a message saying which providers were full.
 */
export class ProviderRouter {
  private readonly clients = new Map<string, ProviderClient>();
  private blocks: { read: number; until: Map<string, Date> } = { read: -Infinity, until: new Map() };

  constructor(
    readonly settings: ProviderSettings,
    private readonly quotas: QuotaStore,
    private readonly clientFor: ProviderClientFactory = createProviderClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async route(request: RouteRequest, hooks: RouteHooks): Promise<RouteOutcome> {
    const outcome = await this.dispatch(
      request,
      async ({ provider, model }) =>
        (
          await this.client(provider).complete({
            model,
            system: request.system,
            prompt: request.prompt,
            signal: request.signal,
            onDelta: hooks.onDelta,
          })
        ).text,
      hooks,
    );
    switch (outcome.kind) {
      case 'answered':
        return { kind: 'answered', text: outcome.value, attempt: outcome.attempt };
      case 'saturated':
        return { kind: 'saturated', retryAt: outcome.retryAt, message: outcome.message };
      case 'failed':
        return { kind: 'failed', message: outcome.message, ...(outcome.attempt ? { attempt: outcome.attempt } : {}) };
      case 'cancelled':
        return outcome;
    }
  }

  /** The route's loop, with the call left to the caller: see DispatchRequest. */
  async dispatch<T>(request: DispatchRequest, call: AttemptCall<T>, hooks: DispatchHooks = {}): Promise<DispatchOutcome<T>> {
    const plan = planRoute(this.settings, request);
    const types = request.types;
    const candidates = types ? plan.candidates.filter(({ provider }) => types.includes(provider.type)) : plan.candidates;
    if (!candidates.length) {
      const why = plan.skipped.length ? `; unusable: ${plan.skipped.join('; ')}` : '';
      const others = plan.candidates.map(({ provider }) => `${provider.key} (${provider.type})`);
      return {
        kind: 'failed',
        message: types
          ? `No provider of type ${types.join(' or ')} is configured for harness ${plan.harness}` +
            (others.length ? `: its providers are ${others.join(', ')}` : ' (set OZ_PROVIDER_<KEY>_* variables, see docs/providers.md)') +
            why
          : `No provider is configured for harness ${plan.harness} (set OZ_PROVIDER_<KEY>_* variables, see docs/providers.md)${why}`,
        errors: [],
      };
    }

    const errors: ProviderError[] = [];
    const failures: string[] = [];
    const saturated: string[] = [];
    let earliestFree: Date | undefined;
    for (const attempt of candidates) {
      const { provider } = attempt;
      if (request.signal.aborted) return { kind: 'cancelled' };
      const reservation = await this.reserve(provider, request.runId);
      if (reservation.reserved === false) {
        saturated.push(describeSaturation(provider, reservation.used, reservation.nextFreeAt));
        earliestFree = earliest(earliestFree, reservation.nextFreeAt);
        continue;
      }
      if (hooks.onAttempt && !(await hooks.onAttempt(attempt))) {
        if (reservation.useId) await this.quotas.release(reservation.useId);
        return { kind: 'cancelled' };
      }
      try {
        return { kind: 'answered', value: await call(attempt), attempt };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        if (error.kind === 'cancelled') return { kind: 'cancelled' };
        errors.push(error);
        if (!error.fallsBack) return { kind: 'failed', message: error.message, attempt, error, errors };
        hooks.onAttemptFailed?.(attempt, error);
        failures.push(error.message);
        if (error.kind === 'rate_limit') {
          const pause = Math.min(error.details.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS, MAX_RATE_LIMIT_PAUSE_MS);
          const until = new Date(this.now().getTime() + pause);
          await this.quotas.block(provider.key, until, error.message);
          this.blocks.until.set(provider.key, until);
          earliestFree = earliest(earliestFree, until);
        }
      }
    }

    const tried = [...saturated, ...failures].join('; ');
    if (!earliestFree) return { kind: 'failed', message: `Every provider failed: ${tried}`, errors };
    if (!this.settings.queueOnSaturation) {
      return { kind: 'failed', message: `All providers are saturated and queueing is off (OZ_QUEUE_ON_SATURATION): ${tried}`, errors, saturatedUntil: earliestFree };
    }
    const since = request.saturatedSince ?? this.now();
    const deadline = new Date(since.getTime() + this.settings.queueMaxWaitMs);
    if (earliestFree > deadline) {
      const waited = Math.round((this.now().getTime() - since.getTime()) / 1000);
      return {
        kind: 'failed',
        message:
          `All providers are saturated, and no slot frees within the queue limit of ${this.settings.queueMaxWaitMs / 1000} s ` +
          `(OZ_QUEUE_MAX_WAIT_SECONDS; waited ${waited} s): ${tried}`,
        errors,
        saturatedUntil: earliestFree,
      };
    }
    return { kind: 'saturated', retryAt: earliestFree, message: `Waiting for a provider slot until ${earliestFree.toISOString()}: ${tried}`, errors };
  }

  /** A slot of the provider's quota; without a quota only a 429 pause (seen by any replica) refuses. */
  private async reserve(provider: ProviderDefinition, runId: string | null): Promise<Reservation> {
    if (provider.quota) return this.quotas.reserve(provider.key, provider.quota, runId);
    const now = this.now();
    if (now.getTime() - this.blocks.read > BLOCKS_REFRESH_MS) {
      this.blocks = { read: now.getTime(), until: await this.quotas.activeBlocks() };
    }
    const blockedUntil = this.blocks.until.get(provider.key);
    return blockedUntil && blockedUntil > now ? { reserved: false, used: 0, nextFreeAt: blockedUntil } : { reserved: true, useId: null, used: 0 };
  }

  private client(provider: ProviderDefinition): ProviderClient {
    let client = this.clients.get(provider.key);
    if (!client) {
      client = this.clientFor(provider);
      this.clients.set(provider.key, client);
    }
    return client;
  }
}

export function createProviderClient(provider: ProviderDefinition): ProviderClient {
  switch (provider.type) {
    case 'anthropic':
      return new AnthropicClient(provider);
    case 'cli':
      return new CliClient(provider);
    case 'gemini':
      return new GeminiClient(provider);
    case 'openai_compatible':
      return new OpenAiCompatibleClient(provider);
  }
}

function describeSaturation(provider: ProviderDefinition, used: number, nextFreeAt: Date): string {
  const quota = provider.quota;
  const full = quota && used >= quota.limit ? `${used} of ${quota.limit} calls in ${quota.windowSeconds} s used, ` : 'resting after a rate limit, ';
  return `${provider.key}: ${full}free at ${nextFreeAt.toISOString()}`;
}

function earliest(a: Date | undefined, b: Date): Date {
  return a && a < b ? a : b;
}
