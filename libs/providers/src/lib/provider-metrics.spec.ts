import { Registry } from 'prom-client';
import { ProviderError } from './provider-error';
import { FallbackTrail, ProviderMetrics } from './provider-metrics';
import type { ProviderDefinition } from './provider-settings';

const moves = (candidates: string[], attempts: string[]) => {
  const recorded: string[] = [];
  const trail = new FallbackTrail(candidates, (from, to, reason) => recorded.push(`${from}→${to} ${reason}`));
  for (const attempt of attempts) trail.attempting(attempt);
  return recorded;
};

describe('FallbackTrail', () => {
  it('counts nothing when the first candidate answers', () => {
    expect(moves(['a', 'b', 'c'], ['a'])).toEqual([]);
  });

  it('counts a move for each provider passed over: saturated ones skipped, a failed one tried', () => {
    expect(moves(['a', 'b', 'c'], ['b'])).toEqual(['a→b saturated']);
    expect(moves(['a', 'b', 'c'], ['a', 'b'])).toEqual(['a→b failed']);
    expect(moves(['a', 'b', 'c'], ['a', 'c'])).toEqual(['a→b failed', 'b→c saturated']);
    expect(moves(['a', 'b', 'c'], ['c'])).toEqual(['a→b saturated', 'b→c saturated']);
  });

  it('ignores a provider that is not ahead on the route', () => {
    expect(moves(['a', 'b'], ['b', 'a', 'x'])).toEqual(['a→b saturated']);
  });
});

describe('ProviderMetrics', () => {
  const provider = (key: string) => ({ key }) as ProviderDefinition;

  it('counts every call and every failure but a cancelled one, by reason', async () => {
    const registry = new Registry();
    const metrics = new ProviderMetrics(registry);
    const outcomes: Array<Error | null> = [null, new ProviderError('rate_limit', 'slow down'), new ProviderError('cancelled', 'stopped'), new ProviderError('auth', 'bad key')];
    const create = metrics.countCalls(() => ({
      complete: async () => {
        const outcome = outcomes.shift();
        if (outcome) throw outcome;
        return { text: 'ok' };
      },
    }));
    const client = create(provider('claude'));
    const request = { model: 'm', prompt: 'p', signal: new AbortController().signal };
    await client.complete(request);
    for (let i = 0; i < 3; i++) await client.complete(request).catch(() => undefined);
    const calls = await registry.getSingleMetric('oz_provider_calls_total')?.get();
    const failures = await registry.getSingleMetric('oz_provider_failures_total')?.get();
    expect(calls?.values).toEqual([{ labels: { provider: 'claude' }, value: 4 }]);
    expect(failures?.values.map(({ labels, value }) => [labels['reason'], value])).toEqual([
      ['rate_limited', 1],
      ['auth', 1],
    ]);
  });
});
