import type { FieldError } from '@oz/contract';

/**
 * The one exception type routes throw for a client-visible error. `message` is shown to users as-is,
 * so it never carries internal details; `code` is stable for programs.
 */
export class ApiException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors?: FieldError[],
    /** Seconds, sent as Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  static badRequest(message: string, fieldErrors?: FieldError[]): ApiException {
    return new ApiException(400, 'invalid_request', message, fieldErrors);
  }

  static notFound(resource: string, id: string): ApiException {
    return new ApiException(404, 'resource_not_found', `${resource} ${id} not found`);
  }

  static conflict(message: string): ApiException {
    return new ApiException(409, 'conflict', message);
  }
}
