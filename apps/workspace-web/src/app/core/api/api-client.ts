import { Injectable, InjectionToken, inject } from '@angular/core';
import { ApiError } from './api-error';
import type { Endpoint } from './endpoint';

/** The `fetch` the dashboard talks to the API with (tests give their own). */
export const FETCH = new InjectionToken<typeof fetch>('fetch', { providedIn: 'root', factory: () => globalThis.fetch.bind(globalThis) });

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

export interface CallOptions<Body, Query> {
  /** Values of the path's `:param` segments. */
  params?: Record<string, string>;
  body?: Body;
  query?: Query;
  signal?: AbortSignal;
}

/** Fills in a path's `:param` segments and appends the query (arrays repeat the name; empty values are left out). */
export function buildUrl(path: string, params: Record<string, string> = {}, query?: object): string {
  const filled = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new Error(`Missing path parameter "${name}" for ${path}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, QueryValue>)) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text ? `${filled}?${text}` : filled;
}

/**
 * The one way the dashboard calls the workspace API: JSON in and out, the session cookie along, and
 * every failure an ApiError with the server's own message. A 401 anywhere but the login routes means
 * the session ended; listeners (the session store) take the user to the login page.
 */
@Injectable({ providedIn: 'root' })
export class ApiClient {
  private readonly fetch = inject(FETCH);
  private readonly unauthorizedListeners = new Set<() => void>();

  onUnauthorized(listener: () => void): () => void {
    this.unauthorizedListeners.add(listener);
    return () => this.unauthorizedListeners.delete(listener);
  }

  async call<Res, Body, Query>(endpoint: Endpoint<Res, Body, Query>, options: CallOptions<Body, Query> = {}): Promise<Res> {
    const url = buildUrl(endpoint.path, options.params, options.query as object | undefined);
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await this.fetch(url, { method: endpoint.method, headers, body, credentials: 'same-origin', signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw ApiError.network(error);
    }
    if (!response.ok) {
      const error = await ApiError.fromResponse(response);
      if (response.status === 401 && !endpoint.path.startsWith('/api/auth/')) {
        for (const listener of [...this.unauthorizedListeners]) listener();
      }
      throw error;
    }
    if (response.status === 204) return undefined as Res;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json')) return (await response.json()) as Res;
    return (await response.text()) as Res;
  }
}
