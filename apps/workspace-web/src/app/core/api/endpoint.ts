/**
 * One route of the workspace API, typed by what it answers (`Res`), takes as JSON body (`Body`) and
 * as query (`Query`). The path uses `:param` segments. Every route the dashboard calls is declared
 * once in endpoints.ts, so a test can check each against the API's OpenAPI document.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Endpoint<Res, Body = never, Query = never> {
  readonly method: HttpMethod;
  readonly path: string;
  /** Every field the body type may hold (checked against the request schema). */
  readonly bodyFields?: readonly string[];
  /** Every query parameter the query type may hold. */
  readonly queryFields?: readonly string[];
  /** Type-only: never set. */
  readonly _types?: { res: Res; body: Body; query: Query };
}

/** Exactly the keys of `T`: leaving one out, or naming one `T` lacks, does not compile. */
export function keysOf<T>() {
  return <const K extends readonly (keyof T & string)[]>(...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : never)): readonly string[] =>
    keys;
}

export function get<Res, Query = never>(path: string, queryFields?: readonly string[]): Endpoint<Res, never, Query> {
  return { method: 'GET', path, queryFields };
}

export function post<Res, Body = never>(path: string, bodyFields?: readonly string[]): Endpoint<Res, Body> {
  return { method: 'POST', path, bodyFields };
}

export function put<Res, Body = never>(path: string, bodyFields?: readonly string[]): Endpoint<Res, Body> {
  return { method: 'PUT', path, bodyFields };
}

export function patch<Res, Body>(path: string, bodyFields: readonly string[]): Endpoint<Res, Body> {
  return { method: 'PATCH', path, bodyFields };
}

export function del<Res = void>(path: string): Endpoint<Res> {
  return { method: 'DELETE', path };
}
