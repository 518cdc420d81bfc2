import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import { toApiException } from '@oz/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WIRE_FORMATS, type WireFormat } from './wire-formats';

/** A gateway answer that is an error: status and message, sent in the caller's own wire format. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds, sent as Retry-After (429). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** The client went away: nothing is sent. */
  static clientGone(): GatewayError {
    return new GatewayError(499, 'The client closed the request');
  }
}

/**
 * Every error of a gateway route (its token refused, a bad request, no provider) in the format of the
 * route's callers: Anthropic's `{type: "error", error: {type, message}}`, OpenAI's `{error: {message,
 * type, code}}`, Gemini's `{error: {code, message, status}}`, so their CLIs show the message. Final
 * 4xx answers carry `x-should-retry: false` (the Anthropic and OpenAI SDKs read it); a stream already
 * under way is only ended.
 */
export function gatewayErrorFilter(format: WireFormat): ExceptionFilter {
  @Catch()
  class GatewayErrorFilter implements ExceptionFilter {
    private readonly logger = new Logger('llm-gateway');

    catch(exception: unknown, host: ArgumentsHost): void {
      const request = host.switchToHttp().getRequest<FastifyRequest>();
      const reply = host.switchToHttp().getResponse<FastifyReply>();
      if (reply.sent || reply.raw.headersSent) {
        reply.raw.destroy();
        return;
      }
      const { status, message, retryAfterSeconds } = exception instanceof GatewayError ? exception : toApiException(exception);
      if (status === 499) {
        reply.raw.destroy();
        return;
      }
      if (status >= 500 && !(exception instanceof GatewayError)) this.logger.error({ err: exception, requestId: request.id }, 'request.failed');
      void reply.header('X-Request-Id', request.id);
      if (status === 429 || status === 503) void reply.header('Retry-After', String(retryAfterSeconds ?? 5));
      if (status < 500 && status !== 408 && status !== 429) void reply.header('x-should-retry', 'false');
      void reply.status(status).header('Content-Type', 'application/json; charset=utf-8').send(WIRE_FORMATS[format].errorBody(status, message));
    }
  }
  return new GatewayErrorFilter();
}
