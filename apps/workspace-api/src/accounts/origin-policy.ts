import type { FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../common/auth';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a request is a write that rides on the session cookie, which a browser attaches by itself
 * (cross-site request forgery is possible only then). Requests with a bearer token are the client's
 * own doing and are never checked; the cookie is not what authenticates them.
 */
export function isCookieWrite(request: FastifyRequest): boolean {
  if (!WRITES.has(request.method)) return false;
  if (request.headers.authorization?.startsWith('Bearer ')) return false;
  return (request.headers.cookie ?? '').split(';').some((part) => part.trim().startsWith(`${SESSION_COOKIE}=`));
}

/**
 * Why a cookie write must be refused, or null when it may go on. A browser names the page's origin
 * in `Origin` on every write; its host must be the API's own (the dashboard is served here: `Host`,
 * or `X-Forwarded-Host` behind a proxy that rewrites Host) or it must be listed in OZ_CORS_ORIGIN. Without `Origin` the caller is not a browser page (a script with a cookie jar),
 * unless `Sec-Fetch-Site` says the request came from another site.
 */
export function originRefusal(request: FastifyRequest, ownHosts: readonly string[], allowed: readonly string[]): string | null {
  const origin = headerValue(request.headers.origin);
  if (origin === undefined) {
    const site = headerValue(request.headers['sec-fetch-site']);
    return site === 'cross-site' || site === 'same-site' ? 'a page of another site' : null;
  }
  if (origin === 'null') return 'a page without an origin (a sandboxed frame or a file)';
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `a malformed Origin (${clip(origin)})`;
  }
  if (ownHosts.includes(parsed.host.toLowerCase())) return null;
  if (allowed.includes(parsed.origin)) return null;
  return clip(parsed.origin);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
