import type { IncomingMessage } from 'node:http';
import {
  BadRequestException,
  Controller,
  Get,
  Module,
  NotFoundException,
  Param,
  ServiceUnavailableException,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ErrorBody } from '@oz/contract';
import { errorCodes } from 'fastify';
import { requestIdFor } from '../http/request-id';
import { ApiException } from './api-exception';
import { ErrorResponseFilter, fromFastifyError, toApiException } from './error-response.filter';

/** What each route throws; the filter turns it into the JSON error body. */
const THROWN: Record<string, () => unknown> = {
  'rate-limited': () => new ApiException(429, 'rate_limited', 'Too many runs; slow down', undefined, 30),
  unavailable: () => new ApiException(503, 'resource_unavailable', 'Database unreachable'),
  invalid: () => ApiException.badRequest('Invalid request: prompt must be a string', [{ field: 'prompt', message: 'prompt must be a string' }]),
  'not-found': () => ApiException.notFound('Run', 'r1'),
  'nest-not-found': () => new NotFoundException('Cannot GET /x'),
  'nest-bad-request': () => new BadRequestException(['limit must be an integer', 'state must be one of QUEUED']),
  'nest-unavailable': () => new ServiceUnavailableException('pool exhausted at db-7.internal:5432'),
  'plain-error': () => new Error('secret internal detail'),
  'type-error': () => new TypeError("Cannot read properties of undefined (reading 'secret internal detail')"),
  'error-with-500-status': () => Object.assign(new Error('secret internal detail'), { statusCode: 500 }),
  'error-with-prototype-code': () => Object.assign(new Error('secret internal detail'), { code: 'constructor' }),
  'thrown-string': () => 'secret internal detail',
};

/** Throws what THROWN names for the path, through Nest's real pipeline and the filter. */
@Controller()
class ThrowingController {
  @Get(':what')
  throw(@Param('what') what: string): never {
    throw THROWN[what]();
  }
}

@Module({ controllers: [ThrowingController] })
class ThrowingModule {}

/** Collects what the app logs, so the tests can see what reaches operators. */
class RecordingLogger implements LoggerService {
  readonly errors: unknown[][] = [];
  readonly others: unknown[][] = [];
  log(...args: unknown[]) {
    this.others.push(args);
  }
  warn(...args: unknown[]) {
    this.others.push(args);
  }
  error(...args: unknown[]) {
    this.errors.push(args);
  }
}

describe('ErrorResponseFilter', () => {
  let app: NestFastifyApplication;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ThrowingModule, new FastifyAdapter({ genReqId: (raw: unknown) => requestIdFor(raw as IncomingMessage) }), { logger });
    app.useGlobalFilters(new ErrorResponseFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  async function call(what: keyof typeof THROWN) {
    const response = await app.inject({ method: 'GET', url: `/${what}`, headers: { 'x-request-id': `req-${what}` } });
    return { response, body: response.json() as ErrorBody };
  }

  it.each([
    ['rate-limited', 429, '30'],
    ['unavailable', 503, '5'],
  ] as const)('answers an ApiException %s with %i, Retry-After and retryable', async (what, status, retryAfter) => {
    const { response, body } = await call(what);
    expect(response.statusCode).toBe(status);
    expect(response.headers['retry-after']).toBe(retryAfter);
    expect(body).toMatchObject({ status, retryable: true, request_id: `req-${what}` });
  });

  it('shows an ApiException as it is, with its field errors', async () => {
    const { response, body } = await call('invalid');
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(body).toEqual({
      status: 400,
      error: 'Bad Request',
      code: 'invalid_request',
      message: 'Invalid request: prompt must be a string',
      request_id: 'req-invalid',
      errors: [{ field: 'prompt', message: 'prompt must be a string' }],
      retryable: false,
    });
  });

  it('leaves `errors` out when there are no field errors', async () => {
    const { body } = await call('not-found');
    expect(body).toEqual({
      status: 404,
      error: 'Not Found',
      code: 'resource_not_found',
      message: 'Run r1 not found',
      request_id: 'req-not-found',
      retryable: false,
    });
  });

  it("keeps a Nest HttpException's 4xx message and gives it a code", async () => {
    expect((await call('nest-not-found')).body).toMatchObject({ status: 404, code: 'resource_not_found', message: 'Cannot GET /x' });
    expect((await call('nest-bad-request')).body).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'limit must be an integer; state must be one of QUEUED',
    });
  });

  it("hides a Nest HttpException's 5xx message", async () => {
    const { response, body } = await call('nest-unavailable');
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('db-7.internal');
    expect(body).toMatchObject({ message: 'Internal server error', retryable: true });
  });

  it.each(['plain-error', 'type-error', 'error-with-500-status', 'error-with-prototype-code', 'thrown-string'] as const)(
    'answers an unexpected %s with a generic 500 that carries no internal text',
    async (what) => {
      const { response, body } = await call(what);
      expect(response.statusCode).toBe(500);
      expect(body).toEqual({
        status: 500,
        error: 'Internal Server Error',
        code: 'internal_error',
        message: 'Internal server error',
        request_id: `req-${what}`,
        retryable: false,
      });
      expect(JSON.stringify(response.headers) + response.body).not.toMatch(/secret|internal detail/);
      expect(response.headers['retry-after']).toBeUndefined();
    },
  );

  it('logs an unexpected error for operators, with its request id, and does not log client errors', async () => {
    logger.errors.length = 0;
    await call('invalid');
    await call('not-found');
    expect(logger.errors).toEqual([]);

    await call('plain-error');
    expect(JSON.stringify(logger.errors)).toContain('req-plain-error');
    expect(logger.errors.flat()).toContainEqual(expect.objectContaining({ err: expect.objectContaining({ message: 'secret internal detail' }) }));
  });
});

describe('errors Fastify raises before a route runs', () => {
  it.each([
    [new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), 400, 'malformed_json'],
    [new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), 400, 'malformed_json'],
    [new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), 413, 'body_too_large'],
    [new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), 415, 'unsupported_media_type'],
    [new errorCodes.FST_ERR_BAD_URL('/%E0'), 400, 'invalid_request'],
    [new errorCodes.FST_ERR_MAX_PARAM_LENGTH('/x'), 404, 'resource_not_found'],
  ].map(([error, status, code]) => [(error as { code: string }).code, error, status, code]))(
    'maps %s to our status, code and message',
    (_, error, status, code) => {
      const mapped = fromFastifyError(error);
      expect(mapped).toMatchObject({ status, code });
      expect(mapped?.message).not.toMatch(/FST_|content-type is set/);
      expect(toApiException(error)).toMatchObject({ status, code });
    },
  );

  it('gives any other Fastify 4xx a code from its status and a generic message', () => {
    const error = new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH();
    expect(fromFastifyError(error)).toMatchObject({ status: 400 });
    const teapot = Object.assign(new Error('internal words'), { statusCode: 418 });
    expect(fromFastifyError(teapot)).toMatchObject({ status: 418, code: 'invalid_request', message: "I'm a Teapot" });
  });

  it('claims nothing that is not a client error, so it still reaches the filter as it was', () => {
    expect(fromFastifyError(new Error('boom'))).toBeUndefined();
    expect(fromFastifyError(Object.assign(new Error('boom'), { statusCode: 500 }))).toBeUndefined();
    expect(fromFastifyError(Object.assign(new Error('boom'), { code: 'toString' }))).toBeUndefined();
    expect(fromFastifyError(null)).toBeUndefined();
    expect(fromFastifyError('boom')).toBeUndefined();
  });
});
