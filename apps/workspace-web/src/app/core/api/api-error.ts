import type { ErrorBody, FieldError } from '@oz/contract';

/**
 * A failed API call, in words a person can act on. Every error body of the workspace API is
 * `{status, error, code, message, request_id, errors?, retryable}`; a network failure gets status 0.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: readonly FieldError[] = [],
    readonly requestId: string | null = null,
    /** Seconds to wait before trying again (429 and 503 carry `Retry-After`). */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The first message about `field`, for showing beside its input. */
  fieldMessage(field: string): string | null {
    return this.fieldErrors.find((e) => e.field === field)?.message ?? null;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  static network(cause: unknown): ApiError {
    const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
    return new ApiError(0, 'network_error', `Could not reach the server${detail}. Check your connection and try again.`);
  }

  static async fromResponse(response: Response): Promise<ApiError> {
    const requestId = response.headers.get('x-request-id');
    const retryAfter = Number(response.headers.get('retry-after'));
    const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
    let body: Partial<ErrorBody> | null = null;
    try {
      body = (await response.json()) as Partial<ErrorBody>;
    } catch {
      body = null;
    }
    const message =
      typeof body?.message === 'string' && body.message
        ? body.message
        : `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`;
    return new ApiError(
      response.status,
      typeof body?.code === 'string' ? body.code : `http_${response.status}`,
      message,
      Array.isArray(body?.errors) ? body.errors.filter((e): e is FieldError => typeof e?.field === 'string' && typeof e?.message === 'string') : [],
      typeof body?.request_id === 'string' ? body.request_id : requestId,
      retryAfterSeconds,
    );
  }
}

/** Any thrown value as a sentence for the UI. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
