import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { IncomingMessage } from 'node:http';
import { redactUrlCredentials } from '../secrets/redaction';
import { loggableError } from './loggable-error';

/** JSON logs: one short line per request plus the events services log. */
export function httpLoggerParams(logLevel: string): Params {
  return {
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    // Probes poll /health every few seconds; a line each would drown the log.
    exclude: [{ path: 'health', method: RequestMethod.GET }],
    pinoHttp: [
      {
        level: logLevel,
        // The id Fastify assigned (see createHttpApp), so logs and responses agree.
        genReqId: (request: IncomingMessage) => (request as IncomingMessage & { id: string }).id,
        // Headers may carry tokens and cookies and would only add noise.
        serializers: {
          req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          err: loggableError,
        },
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
        // Every line leaves with the credentials of any URL in it masked (`https://***@host/…`),
        // whatever logged it: a repository URL with a token reaches logs through error messages too.
        hooks: { streamWrite: redactUrlCredentials },
      },
      // Buffered, asynchronous writes: synchronous stdout writes were the largest single cost of a
      // request in profiles. pino flushes the buffer on exit.
      pino.destination({ dest: 1, sync: false, minLength: 4096 }),
    ],
  };
}
