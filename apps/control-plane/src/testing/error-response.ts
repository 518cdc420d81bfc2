import type { ErrorBody } from '@oz/contract';

/**
 * Reads a response that must be the API's JSON error body and checks the parts every error shares:
 * JSON content type, `status` equal to the HTTP status, a reason phrase, a code, a non-empty message,
 * and a `request_id` equal to the X-Request-Id header.
 */
export async function readErrorBody(response: Response): Promise<ErrorBody> {
  const text = await response.text();
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  expect(body).toEqual(
    expect.objectContaining({
      status: response.status,
      error: expect.any(String),
      code: expect.stringMatching(/^[a-z_]+$/),
      message: expect.stringMatching(/\S/),
      request_id: response.headers.get('x-request-id'),
      retryable: response.status === 429 || response.status === 503,
    }),
  );
  expect(body.request_id).toBeTruthy();
  return body;
}
