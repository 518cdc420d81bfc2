import { createProviderClient, planRoute, ProviderError, type ProviderClientFactory, type RouteOutcome, type RouteSelector, type ProviderSettings } from '@oz/providers';

/**
 * The provider errors of each execution, as the clients threw them (the router keeps only their
 * messages): recorded by a wrapper around every client, keyed by the execution's abort signal, which
 * is one per execution and passed to every call it makes.
 */
export class ProviderFailures {
  private readonly bySignal = new WeakMap<AbortSignal, ProviderError[]>();

  /** The router's client factory, recording every ProviderError a call throws. */
  clientFactory(create: ProviderClientFactory = createProviderClient): ProviderClientFactory {
    return (provider) => {
      const client = create(provider);
      return {
        complete: async (request) => {
          try {
            return await client.complete(request);
          } catch (error) {
            if (error instanceof ProviderError) this.bySignal.set(request.signal, [...this.of(request.signal), error]);
            throw error;
          }
        },
      };
    };
  }

  of(signal: AbortSignal): ProviderError[] {
    return this.bySignal.get(signal) ?? [];
  }
}

/** What the run's tenant is told, and the whole story for the admin. */
export interface FailureReport {
  statusMessage: string;
  statusDetail: string;
}

const NO_PROVIDER = 'No provider could answer this run';

/** Refusals about what the request holds (too long, malformed): the tenant's own business. A 404 is a wrong URL or model: the operator's. */
const TENANT_REQUEST_STATUSES: ReadonlySet<number> = new Set([400, 413, 422]);

/**
 * A failed or waiting provider run, told to its tenant without another provider's name, model, URL,
 * key, quota or configuration: those are the operator's (`detail`, admin only, and the logs). The
 * tenant does learn its own request's reason when a provider refused the request itself (say, a
 * prompt too long), since that is about what the tenant sent.
 */
export function describeForTenant(outcome: Exclude<RouteOutcome, { kind: 'answered' | 'cancelled' }>, errors: ProviderError[], route: { settings: ProviderSettings; selector: RouteSelector }): FailureReport {
  // The router's message names the last failure only when it stops at one; the earlier ones are added.
  const earlier = errors.map((error) => error.message).filter((message) => !outcome.message.includes(message));
  const statusDetail = earlier.length ? `${outcome.message} (before that: ${earlier.join('; ')})` : outcome.message;
  if (outcome.kind === 'saturated') {
    return { statusMessage: `Waiting for a provider to have room, until ${outcome.retryAt.toISOString()} at the latest`, statusDetail };
  }
  const last = errors.at(-1);
  if (outcome.attempt && last && last.kind === 'request' && TENANT_REQUEST_STATUSES.has(last.details.status ?? 0) && last.details.reason) {
    return { statusMessage: `${NO_PROVIDER}: the provider refused its request (HTTP ${last.details.status}: ${last.details.reason})`, statusDetail };
  }
  if (outcome.attempt) {
    return { statusMessage: `${NO_PROVIDER}: the provider it was sent to is not set up to take it; the administrator can see why`, statusDetail };
  }
  const plan = planRoute(route.settings, route.selector);
  if (!plan.candidates.length) {
    return { statusMessage: `${NO_PROVIDER}: none is configured for its harness (${plan.harness}); the administrator can see why`, statusDetail };
  }
  if (errors.length) {
    return { statusMessage: `${NO_PROVIDER}: every provider it could use failed or was busy; try again later`, statusDetail };
  }
  return { statusMessage: `${NO_PROVIDER}: every provider it could use stayed busy for longer than runs may wait; try again later`, statusDetail };
}
