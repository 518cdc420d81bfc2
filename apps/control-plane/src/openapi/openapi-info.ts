import { RequestMethod, type INestApplication } from '@nestjs/common';
import type { DocumentBuilder } from '@nestjs/swagger';
import type { OpenApiOptions } from '@oz/server-kit';

/** Title, description and security of the control plane's OpenAPI document (served at /api/docs, committed as openapi.json). */
export const CONTROL_PLANE_OPENAPI: OpenApiOptions = {
  title: 'Oz Stack control plane',
  description: 'Oz-compatible API: runs, environments, schedules. Authenticate with a bearer token.',
  configure: (builder: DocumentBuilder): DocumentBuilder => builder.addBearerAuth(),
};

/** Every route lives under /api/v1, except the health check that load balancers poll. */
export const API_PREFIX = 'api/v1';

export function setApiPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'health', method: RequestMethod.GET }] });
}
