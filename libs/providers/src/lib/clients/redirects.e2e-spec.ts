import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../provider-error';
import { createProviderClient } from '../provider-router';
import { loadProviderSettings, type ProviderDefinition } from '../provider-settings';

const KEY = 'test-secret.0123456789abcdef';

interface Listening {
  server: Server;
  url: string;
  /** Every request it received: method, path and headers. */
  requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
}

/** A server answering every request with `answer(request)`, recording what it received. */
async function listen(answer: (url: string) => { status: number; headers?: Record<string, string>; body?: string }): Promise<Listening> {
  const requests: Listening['requests'] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    request.resume();
    request.on('end', () => {
      const { status, headers = {}, body = '' } = answer(request.url ?? '');
      response.writeHead(status, headers).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function provider(settings: Record<string, string>): ProviderDefinition {
  const env = Object.fromEntries(Object.entries(settings).map(([name, value]) => [`OZ_PROVIDER_TEST_${name}`, value]));
  const definition = loadProviderSettings(env).providers.get('test');
  if (!definition || definition.problems.length) throw new Error(`bad test provider: ${definition?.problems.join('; ')}`);
  return definition;
}

/**
 * Provider calls carry the provider's key (Authorization or x-api-key) and the run's prompt. A
 * redirect is never followed, whatever its status: the call fails as the provider's trouble (another
 * provider may answer) and the address it names receives nothing.
 */
describe.each([
  { type: 'openai_compatible', model: 'gpt-test', keyHeader: 'authorization' },
  { type: 'anthropic', model: 'claude-test', keyHeader: 'x-api-key' },
])('a $type provider that answers with a redirect', ({ type, model, keyHeader }) => {
  let target: Listening;
  let redirecting: Listening;
  let status = 302;

  beforeAll(async () => {
    target = await listen(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }));
    redirecting = await listen((url) => ({ status, headers: { location: `${target.url}/collect${url}` } }));
  });
  afterAll(async () => {
    await Promise.all([target, redirecting].map(({ server }) => new Promise((resolve) => server.close(resolve))));
  });

  it.each([301, 302, 303, 307, 308])('is not followed on %i: the target sees no request and the call fails', async (code) => {
    status = code;
    const before = redirecting.requests.length;
    const definition = provider({ TYPE: type, MODEL: model, BASE_URL: redirecting.url, API_KEY: KEY, STREAM: 'false' });
    const error = await createProviderClient(definition)
      .complete({ model, prompt: 'secret prompt', signal: new AbortController().signal })
      .then(
        () => null,
        (e: unknown) => e,
      );

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).kind).toBe('server');
    expect((error as ProviderError).fallsBack).toBe(true);
    expect((error as ProviderError).message).toMatch(new RegExp(`^test: HTTP ${code}: the provider redirected the call, and redirects are not followed`));
    expect((error as ProviderError).message).not.toContain(KEY);
    expect((error as ProviderError).message).not.toContain(target.url);
    // The provider itself was asked once, with its key; the redirect target never.
    expect(redirecting.requests.length).toBe(before + 1);
    expect(redirecting.requests.at(-1)?.headers[keyHeader]).toContain(KEY);
    expect(target.requests).toEqual([]);
  });
});
