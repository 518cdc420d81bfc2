import type { OpenAPIObject } from '@nestjs/swagger';
import { previewOpenApiDocument } from '@oz/server-kit';
import { join } from 'node:path';
import { useWorkspaceRoutes, WORKSPACE_OPENAPI } from '../app';
import { WorkspaceModule } from '../app.module';
import { loadWorkspaceConfig } from '../config/workspace.config';

/** Where the document is committed; a unit test fails when it no longer matches the code. */
export const OPENAPI_FILE = join(__dirname, '../../openapi.json');

/**
 * The workspace API's OpenAPI document, built from the modules without starting them (nothing is
 * connected), with a fixed config so the document does not depend on who generates it.
 */
export function workspaceOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadWorkspaceConfig({ DATABASE_URL: 'postgres://openapi@localhost/openapi' });
  return previewOpenApiDocument(WorkspaceModule.with(config), WORKSPACE_OPENAPI, useWorkspaceRoutes);
}
