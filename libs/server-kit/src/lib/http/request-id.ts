import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Caller-supplied ids are kept only when short and plain, since they end up in headers and logs. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(request: IncomingMessage): string {
  const supplied = request.headers['x-request-id'];
  const candidate = Array.isArray(supplied) ? supplied[0] : supplied;
  return candidate && SAFE_REQUEST_ID.test(candidate) ? candidate : `req_${randomUUID()}`;
}
