/** What ApiClient reads of a fetch Response (jsdom has no Response class). */
export function fakeResponse(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  const all: Record<string, string> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers };
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: '',
    headers: { get: (name: string) => lower[name.toLowerCase()] ?? null },
    json: () => (body === undefined ? Promise.reject(new SyntaxError('empty body')) : Promise.resolve(body)),
    text: () => Promise.resolve(body === undefined ? '' : JSON.stringify(body)),
  } as unknown as Response;
}
