import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ErrorBody } from '@oz/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ApiException } from './api-exception';

/**
 * Maps every error to the one JSON error body. Only ApiException and HttpException messages are shown
 * to clients; anything else is logged and answered with a generic 500, so no internal text leaks.
 */
@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toApiException(exception);
    if (error.status >= 500) {
      this.logger.error({ err: exception, requestId: request.id }, 'request.failed');
    }
    sendError(reply, request.id, error);
  }
}

export function sendError(reply: FastifyReply, requestId: string, error: ApiException): void {
  const body: ErrorBody = {
    status: error.status,
    error: STATUS_CODES[error.status] ?? 'Error',
    code: error.code,
    message: error.message,
    request_id: requestId,
    ...(error.fieldErrors?.length ? { errors: error.fieldErrors } : {}),
    retryable: error.status === 429 || error.status === 503,
  };
  if (error.status === 429 || error.status === 503) {
    void reply.header('Retry-After', String(error.retryAfterSeconds ?? 5));
  }
  // The official SDK retries every 409 (and 408, 429, 5xx) unless told not to; our 409s are final.
  if (error.status < 500 && error.status !== 408 && error.status !== 429) {
    void reply.header('x-should-retry', 'false');
  }
  void reply.status(error.status).header('Content-Type', 'application/json; charset=utf-8').send(body);
}

/** Errors Fastify raises itself, before a route runs: routing, body parsing, size limit, content type. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_json', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'malformed_json',
    message: 'Request body is empty but Content-Type is application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Unsupported Content-Type; send application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_request',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_request', message: 'The URL is not valid (bad percent-encoding)' },
  // Ids are UUIDs; a path segment over Fastify's maxParamLength names nothing.
  FST_ERR_MAX_PARAM_LENGTH: { status: 404, code: 'resource_not_found', message: 'Not found: a path segment is too long to be an id' },
};

/**
 * The ApiException for an error Fastify raised itself with a 4xx status, or undefined for anything
 * else. Fastify's messages are replaced by ours: they are not written for API clients.
 */
export function fromFastifyError(exception: unknown): ApiException | undefined {
  const { code, statusCode } = (exception ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'string' && Object.prototype.hasOwnProperty.call(FASTIFY_ERRORS, code)) {
    const known = FASTIFY_ERRORS[code];
    return new ApiException(known.status, known.code, known.message);
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new ApiException(statusCode, codeForStatus(statusCode), STATUS_CODES[statusCode] ?? 'Bad request');
  }
  return undefined;
}

export function toApiException(exception: unknown): ApiException {
  if (exception instanceof ApiException) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? [response.message].flat().join('; ')
        : exception.message;
    return new ApiException(status, codeForStatus(status), status >= 500 ? 'Internal server error' : message);
  }
  return (
    fromFastifyError(exception) ??
    new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, 'internal_error', 'Internal server error')
  );
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'authentication_required';
    case 403:
      return 'not_authorized';
    case 404:
      return 'resource_not_found';
    case 405:
      return 'method_not_allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'body_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 503:
      return 'resource_unavailable';
    default:
      return status >= 500 ? 'internal_error' : 'invalid_request';
  }
}
