/**
 * How a provider call failed, which decides what the router does next: the first group is the
 * provider's trouble (another provider may well answer), the second is ours or the request's (another
 * provider would refuse it too, or the operator must act).
 */
export type ProviderFailureKind =
  | 'rate_limit' //   429, or a CLI saying so: fall back, and avoid the provider until Retry-After
  | 'server' //       5xx, overloaded, in-stream error events, a CLI exiting non-zero
  | 'network' //      connection refused or reset, a stream cut before its end
  | 'timeout' //      no answer within the provider's timeouts
  | 'bad_response' // an answer we cannot read, or an empty one
  | 'auth' //         401/403: the key is wrong; fail with the provider's reason
  | 'request' //      other 4xx: the request itself is refused
  | 'config' //       the provider cannot be called as configured (missing command, …)
  | 'cancelled'; //   we aborted the call (run cancelled, replica stopping)

const FALL_BACK_ON: ReadonlySet<ProviderFailureKind> = new Set(['rate_limit', 'server', 'network', 'timeout', 'bad_response']);

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderFailureKind,
    message: string,
    /**
     * `reason`: the provider's own words about a refused request, made safe (safeReason) and without
     * the provider's name: what the run's own tenant may be told. The message names the provider.
     */
    readonly details: { status?: number; retryAfterMs?: number; reason?: string } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  /** True when another provider should be tried. */
  get fallsBack(): boolean {
    return FALL_BACK_ON.has(this.kind);
  }
}

export function failureKindForStatus(status: number): ProviderFailureKind {
  if (status === 429) return 'rate_limit';
  if (status === 408) return 'timeout';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'server'; // 529 is Anthropic's "overloaded"
  return 'request';
}

/** Retry-After as seconds or an HTTP date (also the `retry-after-ms` some gateways send). */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const MAX_REASON_LENGTH = 500;

/**
 * A provider's own words, safe to store in a run's status message: secrets it may echo are masked,
 * control characters dropped and the length capped.
 */
export function safeReason(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let reason = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) reason = reason.split(secret).join('***');
  }
  // Anything shaped like a bearer token or an API key is masked too, even one we did not send.
  reason = reason.replace(/\b(sk|key|pk|rk)-[A-Za-z0-9_-]{8,}/g, '$1-***');
  // eslint-disable-next-line no-control-regex
  reason = reason.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}
