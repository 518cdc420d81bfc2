import type { OpenAPIObject } from '@nestjs/swagger';
import { previewOpenApiDocument } from '@oz/server-kit';
import { join } from 'node:path';
import { ControlPlaneModule } from '../app.module';
import { loadControlPlaneConfig } from '../config/control-plane.config';
import { CONTROL_PLANE_OPENAPI, setApiPrefix } from './openapi-info';

/** The committed document: regenerate it with `npx nx openapi control-plane`. */
export const OPENAPI_FILE = join(__dirname, '../../openapi.json');

/** A configuration that validates and reaches nothing: preview mode creates no provider, so no connection is made. */
const OFFLINE_ENV = {
  DATABASE_URL: 'postgres://openapi@localhost.invalid/none',
  OZ_ALLOW_NO_ADMIN_KEY: 'true',
  OZ_SECRETS_KEY: Buffer.alloc(32).toString('base64'),
};

/**
 * The control plane's OpenAPI document, built from its controllers and DTOs without starting it (no
 * database, no listeners), with the title, prefix and security the running server uses.
 */
export function buildOpenApiDocument(): Promise<OpenAPIObject> {
  return previewOpenApiDocument(ControlPlaneModule.with(loadControlPlaneConfig(OFFLINE_ENV)), CONTROL_PLANE_OPENAPI, setApiPrefix);
}
