import type { SseClient, SseEvent } from './sse-client';
import type { ApiResponse } from './workspace-harness';

/**
 * The one error body, checked whole: status, code, a message matching `message`, the request id that
 * the response header carries, and — for a field error — the field named in `errors` and its text
 * repeated in `message`, so a client that shows only `message` still learns what is wrong.
 */
export function expectError(response: ApiResponse, status: number, code: string, message: RegExp, field?: string): void {
  expect({ status: response.status, code: response.body?.code, message: response.body?.message }).toEqual({
    status,
    code,
    message: expect.stringMatching(message),
  });
  expect(response.body).toMatchObject({ status, error: expect.any(String), request_id: response.headers.get('x-request-id'), retryable: false });
  if (field) {
    expect(response.body.errors).toContainEqual({ field, message: expect.stringContaining(field) });
    for (const error of response.body.errors) expect(response.body.message).toContain(error.message);
  }
}

/** A function that waits for the first event of a type, received after this call, that matches. */
export function watch(sse: SseClient) {
  const from = sse.events.length;
  return (type: string, match: (data: SseEvent['data']) => boolean = () => true) =>
    sse.waitFor((e) => e.event === type && sse.events.indexOf(e) >= from && match(e.data));
}
