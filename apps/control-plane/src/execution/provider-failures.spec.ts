import { loadProviderSettings, ProviderError, type RouteOutcome } from '@oz/providers';
import { describeForTenant, ProviderFailures } from './provider-failures';

const settings = loadProviderSettings({
  OZ_PROVIDER_CUSTOM_MODEL: 'secret-model',
  OZ_PROVIDER_CUSTOM_BASE_URL: 'https://gw.internal.example/v1',
  OZ_PROVIDER_CUSTOM_API_KEY: 'sk-internal-0123456789',
});
const route = { settings, selector: { modelId: null } };
const custom = settings.providers.get('custom');
if (!custom) throw new Error('test provider missing');
const attempt = { provider: custom, model: 'secret-model' };
type Failed = Exclude<RouteOutcome, { kind: 'answered' | 'cancelled' }>;

describe('describeForTenant', () => {
  it('gives the tenant its own request’s reason, and the admin the whole message', () => {
    const error = new ProviderError('request', 'custom: HTTP 400: prompt is too long', { status: 400, reason: 'prompt is too long' });
    const report = describeForTenant({ kind: 'failed', message: error.message, attempt }, [error], route);
    expect(report).toEqual({
      statusMessage: 'No provider could answer this run: the provider refused its request (HTTP 400: prompt is too long)',
      statusDetail: 'custom: HTTP 400: prompt is too long',
    });
  });

  it.each([
    ['an auth error', new ProviderError('auth', 'custom: HTTP 401: bad key sk-***', { status: 401, reason: 'bad key' })],
    ['a wrong URL or model (404)', new ProviderError('request', 'custom: HTTP 404: no such model secret-model', { status: 404, reason: 'no such model secret-model' })],
    ['a missing command', new ProviderError('config', 'custom: command not found')],
  ])('tells the tenant only that no provider could answer after %s', (_, error) => {
    const { statusMessage, statusDetail } = describeForTenant({ kind: 'failed', message: error.message, attempt }, [error], route);
    expect(statusMessage).toBe('No provider could answer this run: the provider it was sent to is not set up to take it; the administrator can see why');
    expect(statusDetail).toBe(error.message);
  });

  it('adds the earlier failures to the admin’s detail when the route stopped at a later one', () => {
    const first = new ProviderError('server', 'custom: HTTP 503: overloaded', { status: 503 });
    const last = new ProviderError('auth', 'backup: HTTP 401: bad key', { status: 401 });
    const { statusDetail } = describeForTenant({ kind: 'failed', message: last.message, attempt }, [first, last], route);
    expect(statusDetail).toBe('backup: HTTP 401: bad key (before that: custom: HTTP 503: overloaded)');
  });

  it.each<[string, Failed, ProviderError[], RegExp]>([
    ['no provider for the harness', { kind: 'failed', message: 'No provider is configured for harness kimi …' }, [], /none is configured for its harness \(kimi\)/],
    ['every provider failing', { kind: 'failed', message: 'Every provider failed: custom: HTTP 503' }, [new ProviderError('server', 'custom: HTTP 503')], /every provider it could use failed or was busy/],
    ['every provider full', { kind: 'failed', message: 'All providers are saturated … custom: 1 of 1 calls' }, [], /stayed busy for longer than runs may wait/],
  ])('names no provider when the run failed for %s', (_, outcome, errors, message) => {
    const selector = message.source.includes('kimi') ? { modelId: 'kimi-k2' } : { modelId: null };
    const { statusMessage } = describeForTenant(outcome, errors, { settings, selector });
    expect(statusMessage).toMatch(message);
    expect(statusMessage).not.toMatch(/custom|secret-model|gw\.internal|sk-|of 1 calls/);
  });

  it('says until when a waiting run waits, not which providers are full', () => {
    const retryAt = new Date('2026-01-01T10:00:00.000Z');
    const report = describeForTenant({ kind: 'saturated', retryAt, message: 'Waiting …: custom: 1 of 1 calls in 60 s used' }, [], route);
    expect(report.statusMessage).toBe('Waiting for a provider to have room, until 2026-01-01T10:00:00.000Z at the latest');
    expect(report.statusDetail).toMatch(/custom: 1 of 1 calls/);
  });
});

describe('ProviderFailures', () => {
  it('records the errors of each execution by its signal, and passes them on', async () => {
    const failures = new ProviderFailures();
    const error = new ProviderError('server', 'custom: HTTP 500');
    const client = failures.clientFactory(() => ({ complete: () => Promise.reject(error) }))(custom);
    const mine = new AbortController().signal;
    const other = new AbortController().signal;
    await expect(client.complete({ model: 'm', prompt: 'p', signal: mine })).rejects.toBe(error);
    expect(failures.of(mine)).toEqual([error]);
    expect(failures.of(other)).toEqual([]);
  });
});
