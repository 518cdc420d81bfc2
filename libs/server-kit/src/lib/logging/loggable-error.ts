import pino from 'pino';

/**
 * Errors as pino shows them, minus what a database error carries about the statement: its parameters
 * can hold request data such as MCP server headers or prompts, which must not reach the logs.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  delete serialized['parameters'];
  delete serialized['query'];
  delete serialized['driverError'];
  return serialized;
}
